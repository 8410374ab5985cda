"""Owners (``/crm/v3/owners/``): the portal's users. Deactivated users are archived owners, listed
only with ``archived=true``; they keep ``userIdIncludingInactive`` and lose ``userId``."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

from sponsorsync.sandbox.hubspot.values import iso


@dataclass(frozen=True)
class Team:
    id: str
    name: str


@dataclass(frozen=True)
class Owner:
    id: str
    email: str
    first_name: str
    last_name: str
    user_id: int
    created_ms: int
    updated_ms: int
    archived: bool = False
    team: Team | None = None

    def to_json(self) -> dict[str, Any]:
        return {
            "id": self.id,
            "email": self.email,
            "type": "PERSON",
            "firstName": self.first_name,
            "lastName": self.last_name,
            "userId": None if self.archived else self.user_id,
            "userIdIncludingInactive": self.user_id,
            "createdAt": iso(self.created_ms),
            "updatedAt": iso(self.updated_ms),
            "archived": self.archived,
            "teams": [{"id": self.team.id, "name": self.team.name, "primary": True}] if self.team else [],
        }


OWNER_ID_BASE = 30_000_000
USER_ID_BASE = 70_000_000
TEAM_ID_BASE = 4_000_000


class Owners:
    def __init__(self, owners: Sequence[Owner]) -> None:
        self.all = list(owners)
        self.by_id = {o.id: o for o in owners}

    def active(self, owner_id: str) -> bool:
        found = self.by_id.get(owner_id)
        return found is not None and not found.archived

    def find(self, key: str, by_user_id: bool, archived: bool) -> Owner | None:
        for owner in self.all:
            if (str(owner.user_id) if by_user_id else owner.id) == key and owner.archived == archived:
                return owner
        return None

    def page(
        self, archived: bool, email: str | None, after: str | None, limit: int
    ) -> tuple[list[Owner], str | None]:
        """A page of owners in id order from the ``after`` cursor (an owner id), and the next cursor."""
        chosen = [
            o
            for o in self.all
            if o.archived == archived and (email is None or o.email.lower() == email.lower())
        ]
        chosen.sort(key=lambda o: int(o.id))
        start = 0
        if after:
            start = next((i for i, o in enumerate(chosen) if int(o.id) >= _int(after)), len(chosen))
        page = chosen[start : start + limit]
        more = start + limit < len(chosen)
        return page, (chosen[start + limit].id if more else None)


def _int(text: str) -> int:
    try:
        return int(text)
    except ValueError:
        return 0
