"""The Tooling API's ``CustomField`` create (``POST /services/data/vXX.X/tooling/sobjects/CustomField``
with ``FullName`` and ``Metadata``): the shapes of Salesforce's Tooling REST API, its SaveResult on
success and its error list on a refusal. See custom_fields.py for what a created field does."""

from __future__ import annotations

from sponsorsync.sandbox.http import BadJson, Route, SandboxRequest, SandboxResponse
from sponsorsync.sandbox.salesforce.custom_fields import ToolingError
from sponsorsync.sandbox.salesforce.errors import sf_error
from sponsorsync.sandbox.salesforce.state import DATA, OrgState


class ToolingApi:
    def __init__(self, org: OrgState) -> None:
        self.org = org

    def routes(self) -> list[Route]:
        return [Route("POST", f"{DATA}/tooling/sobjects/CustomField{{slash:/?}}", self.create_field)]

    def create_field(self, request: SandboxRequest) -> SandboxResponse:
        assert self.org.custom is not None
        try:
            payload = request.json()
        except BadJson as exc:
            return sf_error(400, "JSON_PARSER_ERROR", str(exc))
        try:
            field_id = self.org.custom.create(payload)
        except ToolingError as exc:
            return sf_error(400, exc.code, exc.message, exc.fields)
        return SandboxResponse.json(
            201, {"id": field_id, "success": True, "errors": [], "warnings": [], "infos": []}
        )
