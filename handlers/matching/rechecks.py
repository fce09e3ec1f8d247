"""A registration changed with /edit: its open proposals checked again against what it now says.

A proposal was made for two people's languages and times. When either changes them, a proposal that
no longer fits (no language in common, or none of its meeting times inside both people's free
time) is called off and both are told why; the newcomer is matched again at once.
"""

from __future__ import annotations

from datetime import datetime, timedelta
from typing import Final
from zoneinfo import ZoneInfo

from handlers.core.events import Outgoing, Reply
from handlers.core.model import Participant, Proposal, ProposalStatus
from handlers.core.people import both, name, to, translator, zone_of
from handlers.core.ports import Office
from handlers.core.translator import N_
from handlers.matching.proposals import end_proposal, find_connector
from handlers.matching.scoring import NOBODYS
from handlers.matching.slots import free_intervals

RECHECKED: Final = frozenset({"languages", "availability"})  # the answers a proposal was made for


async def after_change(office: Office, person: Participant, changed: tuple[str, ...]) -> list[Outgoing]:
    """Call off `person`'s open proposals that their changed languages or times no longer fit."""
    if not RECHECKED & set(changed):
        return []
    messages: list[Outgoing] = []
    for proposal in await office.matchmaking.current_proposals(person.id, person.role):
        pair = await both(office, proposal) if proposal.status.open else None
        if pair is None or _still_fits(office, proposal, *pair):
            continue
        connectee, connector = pair
        await end_proposal(office, proposal, ProposalStatus.CANCELLED, person.role)
        for told, other, off in ((connectee, connector, OFF_LOOKING), (connector, connectee, OFF_THANKS)):
            t = translator(office, told)
            messages.append(to(told, Reply(t.gettext(off).format(name=name(other, t)))))
        messages += await find_connector(office, connectee)
    return messages


OFF_LOOKING: Final = N_(
    "The meeting proposed with {name} is off: after a change to languages or free times, it no longer fits. "
    "We will look for someone else."
)
OFF_THANKS: Final = N_(
    "The meeting proposed with {name} is off: after a change to languages or free times, it no longer fits. "
    "Thank you for offering!"
)


def _still_fits(office: Office, proposal: Proposal, connectee: Participant, connector: Participant) -> bool:
    """A language in common, and a meeting time of the proposal inside both people's free time."""
    spoken = set(connectee.answers.get("languages") or []) & set(connector.answers.get("languages") or [])
    times = [proposal.slot] if proposal.slot is not None else proposal.slots
    minutes = office.program.matching.meeting_minutes
    return bool(spoken - NOBODYS) and any(
        _free(office, connectee, start, minutes) and _free(office, connector, start, minutes) for start in times
    )


def _free(office: Office, person: Participant, start: datetime, minutes: int) -> bool:
    """Whether a meeting from `start` lies inside `person`'s weekly free time, read in their zone."""
    zone = zone_of(office, person)
    day = start.astimezone(ZoneInfo(zone)).date()
    intervals = free_intervals(person.answers.get("availability") or [], zone, day, day)
    return any(low <= start and start + timedelta(minutes=minutes) <= high for low, high in intervals)
