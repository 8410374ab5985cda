"""Local emulators of the Salesforce REST API and the HubSpot CRM API (the sandbox)."""
