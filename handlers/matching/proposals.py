"""From an approved connectee to a confirmed meeting: suggest, propose slots, and the two answers.

The connector is asked first (pick one of the held slots, none work, or can't take it); the
connectee then accepts the slot, asks for another of the held ones (which goes back to the
connector), or declines. Every turn raises the proposal's version, so buttons and timers of an
earlier turn expire. A decline, a timeout or a cancellation moves on to the next best connector.
What each side reads is in handlers/matching/offers.py.

A connectee with no proposal is told so once (`unmatched_since`), whether nobody meets the hard
requirements, only volunteers from other fields are free, or coordinators choose for them.
"""

from __future__ import annotations

from datetime import datetime, timedelta
from typing import Final

from handlers.coordinators import shortlist
from handlers.core import templates
from handlers.core.events import Outgoing, Reply
from handlers.core.model import Participant, Proposal, ProposalStatus, Role
from handlers.core.people import both, month_start, name, to, translator, zone_of
from handlers.core.ports import Office
from handlers.core.program import MatchMode, OutsideField
from handlers.matching.offers import introduction, slot_buttons, waiting_view
from handlers.matching.pool import Pool, Suggested, slots_for, suggestions
from handlers.matching.scoring import Suggestion
from handlers.matching.slots import spread

NUDGE: Final = "proposal.nudge"
EXPIRE: Final = "proposal.expire"


# ---------------------------------------------------------------- suggestions


async def find_connector(office: Office, connectee: Participant, pool: Pool | None = None) -> list[Outgoing]:
    """Propose the best connector (or show coordinators the best three); say so kindly when none is free.

    Field first: when the best connector free is from neither the connectee's sector nor a related
    one, the program file's `outside_field` says what happens (coordinators choose, the connectee
    waits, or the proposal is made and says so). With a `pool` (a sweep): the connectee was waiting
    when the sweep began, and only this call proposes to them, so they have no proposal under way
    and that need not be asked again.
    """
    if pool is None and await office.matchmaking.current_proposals(connectee.id, Role.CONNECTEE):
        return []  # already in a proposal or a meeting
    if _held(office, connectee):
        return []
    rules = office.program.matching
    # Automatic matching proposes the best one: finding only that one costs a sweep a fraction of three.
    suggested = await suggestions(office, connectee, limit=1 if rules.match_mode is MatchMode.AUTO else 3, pool=pool)
    if not suggested.found:
        return await _none_left(office, connectee, suggested, pool)
    best = suggested.found[0]
    outside = None if best.in_field else rules.outside_field
    if rules.match_mode is MatchMode.COORDINATOR or outside is OutsideField.COORDINATOR:
        return await _to_coordinators(office, connectee, suggested, pool)
    if outside is OutsideField.WAIT:
        return await _none_left(office, connectee, suggested, pool, tell_coordinators=False)
    connector = suggested.records[best.connector_id].participant
    return await propose(office, connectee, connector, suggested.slots[best.connector_id], best, pool=pool)


def _held(office: Office, connectee: Participant) -> bool:
    """Paused by a coordinator (/pause), or missed a meeting: matched again when they or a coordinator ask."""
    paused = connectee.paused_until is not None and connectee.paused_until > office.now
    return paused or connectee.missed_meeting_at is not None


async def _first_time(office: Office, connectee: Participant) -> bool:
    """Whether the connectee is told for the first time that they wait (and from now on, waiting since now)."""
    if connectee.unmatched_since is not None:
        return False
    connectee.unmatched_since = office.now
    await office.participants.update(connectee, office.now)
    return True


async def _none_left(
    office: Office, connectee: Participant, suggested: Suggested, pool: Pool | None, *, tell_coordinators: bool = True
) -> list[Outgoing]:
    """Nobody to propose: the connectee is told once, and the coordinators, with why nobody suits."""
    if not await _first_time(office, connectee):
        return []  # told already; the digest shows them to coordinators
    t = translator(office, connectee)
    text = t.gettext(
        "We are still looking for the right volunteer for you. No volunteer in your field is free "
        "at the moment; we will write to you here as soon as one is. Thank you for your patience!"
    )
    told = [to(connectee, Reply(text))]
    if not tell_coordinators:
        return told
    if pool is not None:  # a sweep's pool counts nobody left out: look at every connector, for this one
        suggested = await suggestions(office, connectee)
    return told + await shortlist.to_coordinators(office, connectee, suggested)


async def _to_coordinators(
    office: Office, connectee: Participant, suggested: Suggested, pool: Pool | None
) -> list[Outgoing]:
    """Coordinators choose: shown once; in coordinator mode, where they make every match, again by a sweep
    that may bring someone new (not the daily one). A connectee whose best match is from another field is
    told, once, that a coordinator will help; the digest lists them after waiting_alert_days."""
    first = await _first_time(office, connectee)
    again = office.program.matching.match_mode is MatchMode.COORDINATOR and (pool is None or pool.news)
    if not (first or again):
        return []
    if len(suggested.found) < 3:  # automatic matching looked for the best one only: coordinators choose from three
        suggested = await suggestions(office, connectee, pool=pool)
    messages = await shortlist.to_coordinators(office, connectee, suggested)
    if first and not suggested.found[0].in_field:
        t = translator(office, connectee)
        text = t.gettext(
            "We are looking for a volunteer from your field for you. None is free at the moment, so a "
            "coordinator will help find the right person; we will write to you here. Thank you for your patience!"
        )
        messages.insert(0, to(connectee, Reply(text)))
    return messages


async def propose(
    office: Office,
    connectee: Participant,
    connector: Participant,
    common: list[datetime],
    why: Suggestion,
    *,
    pool: Pool | None = None,
) -> list[Outgoing]:
    """Hold up to `slots_offered` slots and ask the connector."""
    rules = office.program.matching
    proposal = await office.matchmaking.create_proposal(
        connectee.id, connector.id, [reason.stored for reason in why.reasons], office.now
    )
    held = await office.matchmaking.hold(
        proposal, spread(common, rules.slots_offered, zone_of(office, connector)), rules.meeting_minutes
    )
    if pool is not None:
        pool.proposed(connectee.id, connector.id, held, rules.meeting_minutes)
    if not held:
        # Every slot was taken by another proposal at this very moment: end this one, try again.
        proposal.status, proposal.ended_by = ProposalStatus.EXPIRED, None
        await office.matchmaking.save_proposal(proposal, office.now)
        return await find_connector(office, connectee, pool)
    proposal.slots = held
    await office.matchmaking.save_proposal(proposal, office.now)
    if connectee.unmatched_since is not None:
        connectee.unmatched_since = None
        await office.participants.update(connectee, office.now)
    await _set_timers(office, proposal)
    return [to(connector, introduction(office, proposal, connectee, connector))]


async def _set_timers(office: Office, proposal: Proposal) -> None:
    rules = office.program.matching
    nudge = office.now + timedelta(hours=rules.nudge_after_hours)
    payload = {"match": proposal.id, "version": proposal.version}
    await office.jobs.schedule(NUDGE, f"match:{proposal.id}:{proposal.version}:nudge", nudge, payload)
    expire = nudge + timedelta(hours=rules.expire_after_hours)
    await office.jobs.schedule(EXPIRE, f"match:{proposal.id}:{proposal.version}:expire", expire, payload)


# ---------------------------------------------------------------- the buttons


async def next_turn(
    office: Office, proposal: Proposal, status: ProposalStatus, slot: datetime | None, by: Role | None
) -> None:
    proposal.status, proposal.slot, proposal.asked_by = status, slot, by
    proposal.version += 1
    await office.matchmaking.save_proposal(proposal, office.now)
    await _set_timers(office, proposal)


async def hold_fresh(office: Office, proposal: Proposal, connectee: Participant, connector: Participant) -> bool:
    """Replace the proposal's slots with new common ones not offered before; False when there are none."""
    await office.matchmaking.release(proposal.id)
    records = await office.matchmaking.connectors_for(connectee.id, month_start(office), office.now, only=connector.id)
    record = records[0] if records else None
    offered = set(proposal.slots)
    fresh = [start for start in (slots_for(office, connectee, record) if record else []) if start not in offered]
    rules = office.program.matching
    held = await office.matchmaking.hold(
        proposal, spread(fresh, rules.slots_offered, zone_of(office, connector)), rules.meeting_minutes
    )
    if not held:
        return False
    proposal.slots = held
    await next_turn(office, proposal, ProposalStatus.OFFERED, None, None)
    return True


async def reoffer(office: Office, proposal: Proposal, connectee: Participant, connector: Participant) -> Reply | None:
    """New slots for a meeting being rescheduled, as a question to the connector; None when none are left."""
    if not await hold_fresh(office, proposal, connectee, connector):
        return None
    t = translator(office, connector)
    text = t.gettext("Please pick a new time for your meeting with {name}:").format(name=name(connectee, t))
    return Reply(text, buttons=slot_buttons(office, proposal, connector, t))


async def end_proposal(office: Office, proposal: Proposal, status: ProposalStatus, by: Role | None) -> None:
    proposal.status, proposal.ended_by = status, by
    proposal.version += 1
    await office.matchmaking.save_proposal(proposal, office.now)
    await office.matchmaking.release(proposal.id)


# ---------------------------------------------------------------- timers


async def on_timer(kind: str, match_id: int, version: int, office: Office) -> list[Outgoing]:
    """A nudge or an expiry; nothing when the proposal moved on since it was set."""
    proposal = await office.matchmaking.proposal(match_id, lock=True)
    if proposal is None or proposal.version != version or not proposal.status.open:
        return []
    pair = await both(office, proposal)
    if pair is None:
        return []
    connectee, connector = pair
    waiting = connectee if proposal.status is ProposalStatus.PROPOSED else connector
    t = translator(office, waiting)
    if kind == NUDGE:
        view = waiting_view(office, proposal, connectee, connector)
        nudge = t.gettext("A gentle reminder: we are waiting for your answer about this meeting.")
        other = connector if waiting is connectee else connectee
        return [to(waiting, Reply(nudge, template=templates.naming(templates.NUDGE, other))), view]
    await end_proposal(office, proposal, ProposalStatus.EXPIRED, waiting.role)
    expired = t.gettext("This meeting proposal has expired, as we did not hear back. No problem, thank you!")
    messages = [to(waiting, Reply(expired))]
    if waiting is connectee:
        other_t = translator(office, connector)
        messages.append(
            to(
                connector,
                Reply(
                    other_t.gettext(
                        "{name} did not answer in time, so the proposed meeting is off. Thank you for offering!"
                    ).format(name=name(connectee, other_t))
                ),
            )
        )
    return messages + await find_connector(office, connectee)
