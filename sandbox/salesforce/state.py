"""What the API handlers share: the store, the writer, the clock and the org's fixed facts."""

from __future__ import annotations

from dataclasses import dataclass, field

from sponsorsync.sandbox.clock import Clock
from sponsorsync.sandbox.http import SandboxRequest
from sponsorsync.sandbox.salesforce.custom_fields import CustomFields
from sponsorsync.sandbox.salesforce.schema import SObject, org_objects
from sponsorsync.sandbox.salesforce.soql_plan import Context
from sponsorsync.sandbox.salesforce.store import Store, Table
from sponsorsync.sandbox.salesforce.values import second_stamp
from sponsorsync.sandbox.salesforce.writes import Writer

VERSION = r"{version:v\d+\.\d+}"
DATA = f"/services/data/{VERSION}"


@dataclass
class OrgState:
    clock: Clock
    store: Store
    writer: Writer
    api_user_id: str
    last_stamp: int = 0
    shared_activities: bool = (
        True  # Salesforce's Shared Activities setting (TaskRelation, EventRelation.IsWhat)
    )
    custom: CustomFields | None = field(default=None)  # custom fields created at run time, a bare org

    def __post_init__(self) -> None:
        if self.custom is None:
            self.custom = CustomFields(self.store, self.api_user_id)
        self.writer.visible = lambda obj: self.objects.get(obj.name.lower(), obj)

    @property
    def objects(self) -> dict[str, SObject]:
        objects = org_objects(shared_activities=self.shared_activities)
        assert self.custom is not None
        return self.custom.apply(objects)

    def stamp(self, request: SandboxRequest) -> int:
        """The SystemModstamp of this request's writes: one per request, to the second, never backwards."""
        self.last_stamp = max(self.last_stamp, second_stamp(request.now))
        return self.last_stamp

    def table(self, name: str) -> tuple[SObject, Table] | None:
        obj, table = self.objects.get(name.lower()), self.store.table(name)
        return (obj, table) if obj is not None and table is not None else None

    def context(self, request: SandboxRequest, text: str) -> Context:
        return Context(self.store, request.now, request.params.get("version", "v59.0"), text, self.objects)
