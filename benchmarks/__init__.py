"""Benchmarks of sponsorsync against the sandbox CRMs: API calls against the floor the APIs allow,
wall time under HubSpot's rate limit, peak memory and engine time. See BENCHMARKS.md."""
