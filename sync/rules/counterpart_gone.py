"""The partner executive the sponsor was paired with left (removed, moved, no longer an executive)."""

from __future__ import annotations

from sponsorsync.sync.rules.base import Close, Context, Want, make_key, sponsor_change

NAME = "counterpart_gone"
ALERT = True
CADENCE = False
SPONSOR_IS_SUBJECT = False


def decide(ctx: Context) -> list[Want]:
    sponsor = ctx.sponsor
    if sponsor is None:
        return []
    memory = ctx.memory
    suspects = (
        {memory.counterpart_id}
        if memory and memory.counterpart_id and memory.sponsor_id == sponsor.id
        else set()
    )
    prefix = make_key(NAME, ctx.alliance.id, "")
    suspects |= {
        key[len(prefix) :]
        for key, own in ctx.org.own_tasks.items()
        if key.startswith(prefix) and not own.completed
    }
    suspects |= {key[len(prefix) :] for key in ctx.org.pending if key.startswith(prefix)}
    wants = []
    for contact_id in sorted(suspects):
        old = ctx.org.contacts.get(contact_id)
        if old is None or old.deleted:
            what = ctx.wording.render("gone", "removed")
        elif old.account_id != ctx.alliance.id:
            what = ctx.wording.render("gone", "moved")
        elif not old.executive:
            what = ctx.wording.render("gone", "demoted", title=old.title or "-")
        else:
            continue
        replacement = ctx.view.counterpart
        values = {
            "counterpart": old.name if old else contact_id,
            "what": what,
            "replacement": replacement.contact.name if replacement else "",
        }
        wants.append(Want(contact_id, ctx.view.manager, values))
    return wants


def close(ctx: Context, anchor: str) -> Close:  # noqa: ARG001
    sponsor = ctx.sponsor
    if sponsor is None:
        return sponsor_change(ctx, "") or Close("not_needed", "situation_changed")
    return Close("not_needed", "situation_changed")
