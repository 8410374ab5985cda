"""The Salesforce REST API emulator of the sandbox (see docs/sandbox-salesforce.md)."""

from sponsorsync.sandbox.salesforce.emulator import SalesforceEmulator

__all__ = ["SalesforceEmulator"]
