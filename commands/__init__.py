"""The ``sponsorsync`` command's groups, one module each, assembled by cli.py (the entrypoint).

- base: what every command shares: the root group that turns failures into exit codes, the global
  state (settings loaded on first use), output helpers and common options;
- config, mappings (with ``titles``), sync, report, admin (``check``, ``setup``, ``cleanup``),
  sandbox (with ``demo``) and fleet.

Commands are thin: they parse, call into sync/, connectors/ and mappings/, and print.
"""
