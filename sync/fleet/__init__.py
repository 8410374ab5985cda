"""Many orgs from one deployment: the orgs registry, the PostgreSQL-backed task queue (Procrastinate)
and the ``sponsorsync fleet`` commands."""
