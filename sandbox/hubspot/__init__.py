"""The HubSpot CRM API emulator of the sandbox (see docs/sandbox-hubspot.md)."""

from sponsorsync.sandbox.hubspot.emulator import HubSpotEmulator

__all__ = ["HubSpotEmulator"]
