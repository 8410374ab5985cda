"""Mapping files: the schema admins edit, its loader and the default files per CRM."""
