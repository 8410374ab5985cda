"""CRM connectors: one module per CRM on its SDK, behind the protocol in base.py."""
