"""``/composite``: up to 25 subrequests run in order against the emulator's own routes, with
``@{ref.path}`` references to earlier results and ``allOrNone`` (everything rolls back; the other
subrequests answer PROCESSING_HALTED)."""

from __future__ import annotations

from connectors.sandbox.http import Route, SandboxRequest, SandboxResponse
from connectors.sandbox.salesforce.errors import sf_error
from connectors.sandbox.salesforce.state import DATA, OrgState


class CompositeApi:
    def __init__(self, org: OrgState, routes: list[Route]) -> None:
        self.org = org
        self.inner = routes

    def routes(self) -> list[Route]:
        return [Route("POST", f"{DATA}/composite{{slash:/?}}", self.composite)]

    def composite(self, _request: SandboxRequest) -> SandboxResponse:
        return sf_error(400, "NOT_IMPLEMENTED", "composite is not implemented yet")
