"""From an approved connectee to a confirmed meeting: suggest, propose slots, and the two answers.

The connector is asked first (pick one of the held slots, none work, or can't take it); the
connectee then accepts the slot, asks for another of the held ones (which goes back to the
connector), or declines. Every turn raises the proposal's version, so buttons and timers of an
earlier turn expire. A decline, a timeout or a cancellation moves on to the next best connector.
"""

from __future__ import annotations

from dataclasses import dataclass, field, replace
from datetime import datetime, timedelta
from functools import cache
from typing import Final

from handlers.coordinators import shortlist
from handlers.core.events import Button, Outcome, Outgoing, Reply
from handlers.core.ids import database_id, fields, number
from handlers.core.model import Participant, Proposal, ProposalStatus, Role
from handlers.core.people import answer, both, month_start, name, to, translator, zone_of
from handlers.core.ports import ConnectorRecord, Office
from handlers.core.program import MatchMode
from handlers.core.render import format_when
from handlers.core.translator import Translator
from handlers.matching.scoring import (
    Candidate,
    Seeker,
    Suggestion,
    at_most_without_sector,
    best_possible,
    eligible,
    suggest,
    waited,
    words,
)
from handlers.matching.slots import common_starts, connectee_free, connector_starts, find_slots, spread
from handlers.meetings import booking

NUDGE: Final = "proposal.nudge"
EXPIRE: Final = "proposal.expire"
SLOT_BUTTONS: Final = frozenset({"pk", "cs"})  # the buttons that carry a held slot's index too


# ---------------------------------------------------------------- suggestions


def _slots_for(office: Office, connectee: Participant, record: ConnectorRecord) -> list[datetime]:
    rules = office.program.matching
    connector = record.participant
    return find_slots(
        connector_grid=connector.answers.get("availability") or [],
        connector_zone=zone_of(office, connector),
        connectee_grid=connectee.answers.get("availability") or [],
        connectee_zone=zone_of(office, connectee),
        now=office.now,
        minutes=rules.meeting_minutes,
        notice=timedelta(hours=rules.notice_hours),
        horizon=timedelta(days=rules.horizon_days),
        busy=record.busy,
    )


def _candidate(record: ConnectorRecord, now: datetime, slots: list[datetime]) -> Candidate:
    connector = record.participant
    capacity = connector.answers.get("capacity")
    return Candidate(
        id=connector.id,
        sectors=frozenset(connector.answers.get("sectors") or []),
        job_title=str(connector.answers.get("job_title") or ""),
        languages=frozenset(connector.answers.get("languages") or []),
        capacity=capacity if isinstance(capacity, int) else 1,
        used_this_month=record.used_this_month,
        last_matched_at=record.last_matched_at,
        slots=tuple(slots),
        paused=connector.paused_until is not None and connector.paused_until > now,
        met_before=record.met_before,
    )


def _seeker(connectee: Participant) -> Seeker:
    sector = connectee.answers.get("sector")
    return Seeker(
        id=connectee.id,
        sector=sector if isinstance(sector, str) else None,
        occupation=str(connectee.answers.get("occupation") or ""),
        languages=frozenset(connectee.answers.get("languages") or []),
    )


async def suggestions(
    office: Office, connectee: Participant, *, limit: int | None = 3, pool: Pool | None = None
) -> tuple[list[Suggestion], dict[int, ConnectorRecord], dict[int, list[datetime]]]:
    """The best connectors for this connectee, with their records and common slots by connector id.

    With a `pool` (a sweep over many connectees), the same answer without loading every connector
    again nor finding slots with every one of them.
    """
    if pool is not None and limit is not None:
        return pool.suggestions(office, connectee, limit)
    records = await office.matchmaking.connectors_for(connectee.id, month_start(office), office.now)
    candidates, slots, by_id = [], {}, {}
    for record in records:
        candidate = _candidate(record, office.now, [])
        # Slot finding is the costly part: skip it for whoever cannot be proposed anyway.
        common = [] if not eligible(replace(candidate, slots=(office.now,))) else _slots_for(office, connectee, record)
        slots[candidate.id], by_id[candidate.id] = common, record
        candidates.append(replace(candidate, slots=tuple(common)))
    return suggest(_seeker(connectee), candidates, limit=limit), by_id, slots


@dataclass
class Pool:
    """Every approved connector, loaded once for a sweep over many connectees and kept up to date by it.

    What it suggests to a connectee is what `suggestions` would find in the database at that
    moment: during a sweep only the sweep's own proposals change a connector's month, last match,
    busy times and who they were proposed to, and `proposed` records each as it is made. Each
    connector's free times on their own grid are worked out once, and only the connectors that can
    still make the best `limit` have their times compared with the connectee's: the others are
    left out by the most points they could have (matching.best_possible).
    """

    records: dict[int, ConnectorRecord]
    proposed_before: dict[int, set[int]]  # connectee -> connectors proposed to them before
    month_start: datetime
    now: datetime
    open: dict[int, Candidate] = field(default_factory=dict)  # connectors who may be proposed: room, not paused
    by_sector: dict[str, list[int]] = field(default_factory=dict)
    starts: dict[int, list[datetime]] = field(default_factory=dict)  # connector -> free starts, once worked out

    @classmethod
    async def load(cls, office: Office, connectees: list[Participant]) -> Pool:
        records = await office.matchmaking.connectors(month_start(office), office.now)
        before = await office.matchmaking.proposed_before([person.id for person in connectees])
        pool = cls({record.participant.id: record for record in records}, before, month_start(office), office.now)
        for connector_id in pool.records:
            pool._refresh(connector_id)
        return pool

    def _refresh(self, connector_id: int) -> None:
        """After a change to this connector's record: whether they may be proposed, and their times again."""
        candidate = _candidate(self.records[connector_id], self.now, [])
        self.starts.pop(connector_id, None)
        was_open = connector_id in self.open
        if eligible(replace(candidate, slots=(self.now,))):  # room left and not paused; times come later
            self.open[connector_id] = candidate
            if not was_open:
                for sector in candidate.sectors:
                    self.by_sector.setdefault(sector, []).append(connector_id)
        elif was_open:
            del self.open[connector_id]
            for sector in candidate.sectors:
                self.by_sector[sector].remove(connector_id)

    def proposed(self, connectee_id: int, connector_id: int, held: list[datetime], minutes: int) -> None:
        """A proposal was made (held: the slots it holds; none: it ended at once and does not count)."""
        record = self.records.get(connector_id)
        self.proposed_before.setdefault(connectee_id, set()).add(connector_id)
        if record is None:
            return
        if held:
            record.used_this_month += 1
            record.busy = [*record.busy, *((start, start + timedelta(minutes=minutes)) for start in held)]
        record.last_matched_at = self.now
        self._refresh(connector_id)

    def _free_starts(self, office: Office, connector_id: int) -> list[datetime]:
        if connector_id not in self.starts:
            rules = office.program.matching
            connector = self.records[connector_id].participant
            self.starts[connector_id] = connector_starts(
                connector_grid=connector.answers.get("availability") or [],
                connector_zone=zone_of(office, connector),
                now=self.now,
                minutes=rules.meeting_minutes,
                notice=timedelta(hours=rules.notice_hours),
                horizon=timedelta(days=rules.horizon_days),
                busy=self.records[connector_id].busy,
            )
        return self.starts[connector_id]

    def suggestions(
        self, office: Office, connectee: Participant, limit: int
    ) -> tuple[list[Suggestion], dict[int, ConnectorRecord], dict[int, list[datetime]]]:
        seeker = _seeker(connectee)
        seeker_words = words(seeker.occupation)
        met = self.proposed_before.get(connectee.id, set())
        rules = office.program.matching
        # The connectee's free times: once for every connector compared with them, and only if one is
        # (once the sweep has filled every connector, nobody is).
        theirs = cache(
            lambda: connectee_free(
                connectee_grid=connectee.answers.get("availability") or [],
                connectee_zone=zone_of(office, connectee),
                now=self.now,
                notice=timedelta(hours=rules.notice_hours),
                horizon=timedelta(days=rules.horizon_days),
            )
        )
        evaluated: list[Candidate] = []
        slots: dict[int, list[datetime]] = {}
        best: list[tuple[int, float, int]] = []  # the top `limit` (points, waited, -id) found so far

        def evaluate(ids: list[int]) -> None:
            """Find the times in common with these connectors, best possible first, while they could still rank."""
            bounds = [
                (best_possible(seeker, seeker_words, self.open[i]), waited(self.open[i]), -i)
                for i in ids
                if i not in met and i not in slots
            ]
            for bound in sorted(bounds, reverse=True):
                if len(best) >= limit and bound < best[limit - 1]:
                    return  # neither this one nor any after it can enter the top `limit`
                connector_id = -bound[2]
                common = common_starts(self._free_starts(office, connector_id), theirs(), rules.meeting_minutes)
                slots[connector_id] = common
                candidate = replace(self.open[connector_id], slots=tuple(common))
                evaluated.append(candidate)
                if common:
                    points = suggest(seeker, [candidate], limit=1)[0].score
                    best.append((points, bound[1], bound[2]))
                    best.sort(reverse=True)

        # Whoever shares the connectee's sector outranks whoever does not; the others are looked at
        # only while they could still make the top `limit`.
        evaluate(self.by_sector.get(seeker.sector, []) if seeker.sector else [])
        most_left = max((c.capacity - c.used_this_month for c in self.open.values()), default=0)
        if len(best) < limit or best[limit - 1][0] <= at_most_without_sector(most_left):
            evaluate(list(self.open))
        found = suggest(seeker, evaluated, limit=limit)
        return found, {s.connector_id: self.records[s.connector_id] for s in found}, slots


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
    return Reply("\n\n".join(lines), buttons=_connector_buttons(office, proposal, connector, t))


def _connector_buttons(
    office: Office, proposal: Proposal, connector: Participant, t: Translator
) -> tuple[tuple[Button, ...], ...]:
    zone = zone_of(office, connector)
    rows = [
        (Button(format_when(start, t, zone), f"pk:{proposal.id}:{proposal.version}:{index}"),)
        for index, start in enumerate(proposal.slots)
    ]
    rows.append((Button(t.gettext("None of these times work"), f"pn:{proposal.id}:{proposal.version}"),))
    rows.append((Button(t.gettext("I can't take this one"), f"px:{proposal.id}:{proposal.version}"),))
    return tuple(rows)


def _offer_to_connectee(office: Office, proposal: Proposal, connectee: Participant, connector: Participant) -> Reply:
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
    rows = [(Button(t.gettext("Yes, that works"), f"ca:{proposal.id}:{proposal.version}"),)]
    if len(proposal.slots) > 1:
        rows.append((Button(t.gettext("Another time, please"), f"co:{proposal.id}:{proposal.version}"),))
    rows.append((Button(t.gettext("No, thank you"), f"cd:{proposal.id}:{proposal.version}"),))
    return Reply(text, buttons=tuple(rows))


def _counter_to_connector(office: Office, proposal: Proposal, connectee: Participant, connector: Participant) -> Reply:
    assert proposal.slot is not None
    t = translator(office, connector)
    when = format_when(proposal.slot, t, zone_of(office, connector))
    text = t.gettext("{name} would prefer to meet on {when}. Does that work for you?").format(
        name=name(connectee, t), when=when
    )
    index = proposal.slots.index(proposal.slot)
    rows = (
        (Button(t.gettext("Yes, {when} works").format(when=when), f"pk:{proposal.id}:{proposal.version}:{index}"),),
        (Button(t.gettext("None of these times work"), f"pn:{proposal.id}:{proposal.version}"),),
        (Button(t.gettext("I can't take this one"), f"px:{proposal.id}:{proposal.version}"),),
    )
    return Reply(text, buttons=rows)


def waiting_view(office: Office, proposal: Proposal, connectee: Participant, connector: Participant) -> Outgoing:
    """The question the waiting side has in front of them, again (for a nudge)."""
    if proposal.status is ProposalStatus.PROPOSED:
        return to(connectee, _offer_to_connectee(office, proposal, connectee, connector))
    if proposal.slot is not None:
        return to(connector, _counter_to_connector(office, proposal, connectee, connector))
    return to(connector, _introduction(office, proposal, connectee, connector))


# ---------------------------------------------------------------- the buttons


async def on_button(kind: str, rest: str, user_id: int, t: Translator, office: Office) -> Outcome | None:
    """A proposal button pressed by `user_id`; None when it is stale, forged or not theirs."""
    parts = fields(rest, 3 if kind in SLOT_BUTTONS else 2) or ["", ""]  # <id>:<version>[:<slot index>]
    match_id, version = database_id(parts[0]), database_id(parts[1])
    if match_id is None or version is None:
        return None
    proposal = await office.matchmaking.proposal(match_id, lock=True)
    if proposal is None or proposal.version != version or not proposal.status.open:
        return None
    pair = await both(office, proposal)
    if pair is None:
        return None
    connectee, connector = pair
    presser = connector if kind in ("pk", "pn", "px") else connectee
    if presser.user_id != user_id:
        return None
    index = number(parts[2], range(len(proposal.slots))) if kind in SLOT_BUTTONS else None
    if kind == "pk" and proposal.status is ProposalStatus.OFFERED and index is not None:
        return await _connector_picks(office, proposal, connectee, connector, proposal.slots[index], t)
    if kind == "pn" and proposal.status is ProposalStatus.OFFERED:
        return await _other_times(office, proposal, connectee, connector, t)
    if kind == "px" and proposal.status is ProposalStatus.OFFERED:
        return await _end(office, proposal, connectee, connector, ProposalStatus.DECLINED, Role.CONNECTOR, t)
    if kind == "ca" and proposal.status is ProposalStatus.PROPOSED and proposal.slot is not None:
        return await booking.confirm(office, proposal, connectee, connector, proposal.slot, t, presser)
    if kind == "co" and proposal.status is ProposalStatus.PROPOSED:
        return Outcome(_choose_another(office, proposal, connectee, t))
    if kind == "cs" and proposal.status is ProposalStatus.PROPOSED and index is not None:
        return await _connectee_asks(office, proposal, connectee, connector, proposal.slots[index], t)
    if kind == "cd" and proposal.status is ProposalStatus.PROPOSED:
        return await _end(office, proposal, connectee, connector, ProposalStatus.DECLINED, Role.CONNECTEE, t)
    return None


async def _turn(
    office: Office, proposal: Proposal, status: ProposalStatus, slot: datetime | None, by: Role | None
) -> None:
    proposal.status, proposal.slot, proposal.asked_by = status, slot, by
    proposal.version += 1
    await office.matchmaking.save_proposal(proposal, office.now)
    await _set_timers(office, proposal)


async def _connector_picks(
    office: Office, proposal: Proposal, connectee: Participant, connector: Participant, slot: datetime, t: Translator
) -> Outcome:
    if proposal.slot == slot and proposal.asked_by is Role.CONNECTEE:
        return await booking.confirm(office, proposal, connectee, connector, slot, t, connector)
    await _turn(office, proposal, ProposalStatus.PROPOSED, slot, Role.CONNECTOR)
    done = t.gettext("You proposed {when}. We have asked {name} and will tell you their answer here.").format(
        when=format_when(slot, t, zone_of(office, connector)), name=name(connectee, t)
    )
    return Outcome(
        [Reply(done, edit=True)], [to(connectee, _offer_to_connectee(office, proposal, connectee, connector))]
    )


async def _hold_fresh(office: Office, proposal: Proposal, connectee: Participant, connector: Participant) -> bool:
    """Replace the proposal's slots with new common ones not offered before; False when there are none."""
    await office.matchmaking.release(proposal.id)
    records = await office.matchmaking.connectors_for(connectee.id, month_start(office), office.now, only=connector.id)
    record = records[0] if records else None
    offered = set(proposal.slots)
    fresh = [start for start in (_slots_for(office, connectee, record) if record else []) if start not in offered]
    rules = office.program.matching
    held = await office.matchmaking.hold(
        proposal, spread(fresh, rules.slots_offered, zone_of(office, connector)), rules.meeting_minutes
    )
    if not held:
        return False
    proposal.slots = held
    await _turn(office, proposal, ProposalStatus.OFFERED, None, None)
    return True


async def reoffer(office: Office, proposal: Proposal, connectee: Participant, connector: Participant) -> Reply | None:
    """New slots for a meeting being rescheduled, as a question to the connector; None when none are left."""
    if not await _hold_fresh(office, proposal, connectee, connector):
        return None
    t = translator(office, connector)
    text = t.gettext("Please pick a new time for your meeting with {name}:").format(name=name(connectee, t))
    return Reply(text, buttons=_connector_buttons(office, proposal, connector, t))


async def _other_times(
    office: Office, proposal: Proposal, connectee: Participant, connector: Participant, t: Translator
) -> Outcome:
    """New slots, none offered before; when there are none left, move on to another connector."""
    if not await _hold_fresh(office, proposal, connectee, connector):
        return await _end(
            office, proposal, connectee, connector, ProposalStatus.DECLINED, Role.CONNECTOR, t, no_time=True
        )
    text = t.gettext("Here are other times that suit {name}. Pick one:").format(name=name(connectee, t))
    return Outcome([Reply(text, buttons=_connector_buttons(office, proposal, connector, t), edit=True)])


def _choose_another(office: Office, proposal: Proposal, connectee: Participant, t: Translator) -> list[Reply]:
    zone = zone_of(office, connectee)
    rows = [
        (Button(format_when(start, t, zone), f"cs:{proposal.id}:{proposal.version}:{index}"),)
        for index, start in enumerate(proposal.slots)
        if start != proposal.slot
    ]
    rows.append((Button(t.gettext("No, thank you"), f"cd:{proposal.id}:{proposal.version}"),))
    return [Reply(t.gettext("Which of these times would suit you better?"), buttons=tuple(rows), edit=True)]


async def _connectee_asks(
    office: Office, proposal: Proposal, connectee: Participant, connector: Participant, slot: datetime, t: Translator
) -> Outcome:
    if slot == proposal.slot:
        return await booking.confirm(office, proposal, connectee, connector, slot, t, connectee)
    await _turn(office, proposal, ProposalStatus.OFFERED, slot, Role.CONNECTEE)
    done = t.gettext("You asked for {when}. We have asked {name} and will tell you their answer here.").format(
        when=format_when(slot, t, zone_of(office, connectee)), name=name(connector, t)
    )
    return Outcome(
        [Reply(done, edit=True)], [to(connector, _counter_to_connector(office, proposal, connectee, connector))]
    )


async def _end(
    office: Office,
    proposal: Proposal,
    connectee: Participant,
    connector: Participant,
    status: ProposalStatus,
    by: Role,
    t: Translator,
    *,
    no_time: bool = False,
) -> Outcome:
    """A proposal ends without a meeting: both are told, the connectee moves on to the next connector."""
    await end_match(office, proposal, status, by)
    if by is Role.CONNECTOR:
        if no_time:
            text = t.gettext(
                "There are no other times in the next days that suit you both. "
                "We will introduce {name} to another connector. Thank you!"
            )
        else:
            text = t.gettext("Thank you for letting us know. We will introduce {name} to someone else.")
        mine = [Reply(text.format(name=name(connectee, t)), edit=True)]
        return Outcome(mine, await find_connector(office, connectee))
    mine = [Reply(t.gettext("Thank you for letting us know. We will look for another connector for you."), edit=True)]
    other_t = translator(office, connector)
    told = other_t.gettext(
        "{name} cannot take up this meeting after all. Thank you for offering your time; "
        "we will be in touch with another introduction."
    ).format(name=name(connectee, other_t))
    return Outcome(mine, [to(connector, Reply(told)), *await find_connector(office, connectee)])


async def end_match(office: Office, proposal: Proposal, status: ProposalStatus, by: Role | None) -> None:
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
    await end_match(office, proposal, ProposalStatus.EXPIRED, waiting.role)
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
