"""From an approved connectee to a confirmed meeting: suggest, propose slots, and the two answers.

The connector is asked first (pick one of the held slots, none work, or can't take it); the
connectee then accepts the slot, asks for another of the held ones (which goes back to the
connector), or declines. Every turn raises the proposal's version, so buttons and timers of an
earlier turn expire. A decline, a timeout or a cancellation moves on to the next best connector.
"""

from __future__ import annotations

from datetime import datetime, timedelta
from typing import Final

from handlers.coordinators import shortlist
from handlers.core.events import Button, Outgoing, Reply
from handlers.core.model import Participant, Proposal, ProposalStatus, Role
from handlers.core.people import answer, both, month_start, name, to, translator, zone_of
from handlers.core.ports import Office
from handlers.core.program import MatchMode
from handlers.core.render import format_when
from handlers.core.translator import Translator
from handlers.matching.buttons import AcceptTime, AnotherTime, CannotTakeIt, DeclineProposal, NoneOfTheseTimes, PickSlot
from handlers.matching.pool import Pool, slots_for, suggestions
from handlers.matching.scoring import (
    Suggestion,
)
from handlers.matching.slots import spread

NUDGE: Final = "proposal.nudge"
EXPIRE: Final = "proposal.expire"


# ---------------------------------------------------------------- suggestions


async def find_connector(office: Office, connectee: Participant, pool: Pool | None = None) -> list[Outgoing]:
    """Propose the best connector (or show coordinators the best three); say so kindly when none is free.

    With a `pool` (a sweep): the connectee was waiting when the sweep began, and only this call
    proposes to them, so they have no proposal under way and that need not be asked again.
    """
    if pool is None and await office.matchmaking.current_proposals(connectee.id, Role.CONNECTEE):
        return []  # already in a proposal or a meeting
    if connectee.paused_until is not None and connectee.paused_until > office.now:
        return []  # a coordinator paused them (/pause)
    found, records, slots = await suggestions(office, connectee, pool=pool)
    if not found:
        return await _none_left(office, connectee)
    if office.program.matching.match_mode is MatchMode.COORDINATOR:
        return await shortlist.to_coordinators(office, connectee, found, records)
    best = found[0]
    connector = records[best.connector_id].participant
    return await propose(office, connectee, connector, slots[best.connector_id], best, pool=pool)


async def _none_left(office: Office, connectee: Participant) -> list[Outgoing]:
    if connectee.unmatched_since is not None:
        return []  # told already; the digest shows them to coordinators
    connectee.unmatched_since = office.now
    await office.participants.update(connectee, office.now)
    t = translator(office, connectee)
    text = t.gettext(
        "We are still looking for the right volunteer for you. No connector in your field is free "
        "at the moment; we will write to you here as soon as one is. Thank you for your patience!"
    )
    return [to(connectee, Reply(text))]


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
        connectee.id, connector.id, [reason.why.value for reason in why.reasons], office.now
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
    return [to(connector, _introduction(office, proposal, connectee, connector))]


async def _set_timers(office: Office, proposal: Proposal) -> None:
    rules = office.program.matching
    nudge = office.now + timedelta(hours=rules.nudge_after_hours)
    payload = {"match": proposal.id, "version": proposal.version}
    await office.jobs.schedule(NUDGE, f"match:{proposal.id}:{proposal.version}:nudge", nudge, payload)
    expire = nudge + timedelta(hours=rules.expire_after_hours)
    await office.jobs.schedule(EXPIRE, f"match:{proposal.id}:{proposal.version}:expire", expire, payload)


# ---------------------------------------------------------------- what each side sees


def _introduction(office: Office, proposal: Proposal, connectee: Participant, connector: Participant) -> Reply:
    """To the connector: who the connectee is (no contact details yet) and the slots to pick from."""
    t = translator(office, connector)
    lines = [
        t.gettext(
            "Hello {name}! We would like to introduce you to a newcomer for a {minutes}-minute conversation."
        ).format(name=name(connector, t), minutes=office.program.matching.meeting_minutes)
    ]
    about = [
        (t.gettext("Name"), name(connectee, t)),
        (t.gettext("Occupation"), answer(office, t, connectee, "occupation")),
        (t.gettext("Sector"), answer(office, t, connectee, "sector")),
        (t.gettext("Goals"), answer(office, t, connectee, "goals")),
        (t.gettext("Languages"), answer(office, t, connectee, "languages")),
        (t.gettext("Meeting"), answer(office, t, connectee, "meeting_mode")),
    ]
    lines.append("\n".join(t.gettext("{label}: {answer}").format(label=k, answer=v) for k, v in about if v))
    lines.append(
        t.gettext("Could you meet them? Pick a time that suits you. Contact details are shared once you both confirm.")
    )
    return Reply("\n\n".join(lines), buttons=slot_buttons(office, proposal, connector, t))


def slot_buttons(
    office: Office, proposal: Proposal, connector: Participant, t: Translator
) -> tuple[tuple[Button, ...], ...]:
    zone = zone_of(office, connector)
    rows = [
        (Button(format_when(start, t, zone), PickSlot(proposal.id, proposal.version, index).pack()),)
        for index, start in enumerate(proposal.slots)
    ]
    rows.append(
        (Button(t.gettext("None of these times work"), NoneOfTheseTimes(proposal.id, proposal.version).pack()),)
    )
    rows.append((Button(t.gettext("I can't take this one"), CannotTakeIt(proposal.id, proposal.version).pack()),))
    return tuple(rows)


def offer_to_connectee(office: Office, proposal: Proposal, connectee: Participant, connector: Participant) -> Reply:
    assert proposal.slot is not None
    t = translator(office, connectee)
    title = answer(office, t, connector, "job_title")
    organization = answer(office, t, connector, "organization")
    text = t.gettext(
        "Good news, {name}! {connector} ({title}, {organization}) would like to meet you for "
        "{minutes} minutes on {when}.\n\nDoes this time work for you?"
    ).format(
        name=name(connectee, t),
        connector=name(connector, t),
        title=title,
        organization=organization,
        minutes=office.program.matching.meeting_minutes,
        when=format_when(proposal.slot, t, zone_of(office, connectee)),
    )
    rows = [(Button(t.gettext("Yes, that works"), AcceptTime(proposal.id, proposal.version).pack()),)]
    if len(proposal.slots) > 1:
        rows.append((Button(t.gettext("Another time, please"), AnotherTime(proposal.id, proposal.version).pack()),))
    rows.append((Button(t.gettext("No, thank you"), DeclineProposal(proposal.id, proposal.version).pack()),))
    return Reply(text, buttons=tuple(rows))


def counter_to_connector(office: Office, proposal: Proposal, connectee: Participant, connector: Participant) -> Reply:
    assert proposal.slot is not None
    t = translator(office, connector)
    when = format_when(proposal.slot, t, zone_of(office, connector))
    text = t.gettext("{name} would prefer to meet on {when}. Does that work for you?").format(
        name=name(connectee, t), when=when
    )
    index = proposal.slots.index(proposal.slot)
    rows = (
        (
            Button(
                t.gettext("Yes, {when} works").format(when=when), PickSlot(proposal.id, proposal.version, index).pack()
            ),
        ),
        (Button(t.gettext("None of these times work"), NoneOfTheseTimes(proposal.id, proposal.version).pack()),),
        (Button(t.gettext("I can't take this one"), CannotTakeIt(proposal.id, proposal.version).pack()),),
    )
    return Reply(text, buttons=rows)


def waiting_view(office: Office, proposal: Proposal, connectee: Participant, connector: Participant) -> Outgoing:
    """The question the waiting side has in front of them, again (for a nudge)."""
    if proposal.status is ProposalStatus.PROPOSED:
        return to(connectee, offer_to_connectee(office, proposal, connectee, connector))
    if proposal.slot is not None:
        return to(connector, counter_to_connector(office, proposal, connectee, connector))
    return to(connector, _introduction(office, proposal, connectee, connector))


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
        return [to(waiting, Reply(nudge)), view]
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
