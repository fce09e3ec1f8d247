"""A program's worth of people, written straight into the tables (storage/tables.py) with the program's own forms.

Every participant answers their form as the intake would store it: each question's key with a value
of its kind (text, an option's value, a list of values, a number, a phone number, availability
cells), optional ones now and then skipped. Proposals, meetings, follow-ups and referrals link them
as the flows would leave them. Random but seeded: the same sizes give the same program.
"""

from __future__ import annotations

import random
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from typing import Any, Final

from sqlalchemy import Table, insert
from sqlalchemy.ext.asyncio import AsyncEngine

from handlers.core.model import MeetingStatus, ProposalStatus, Role, Status
from handlers.core.program import Form, Kind, Program, Question
from storage.tables import (
    AnswerRow,
    ConversationRow,
    FollowUpRow,
    MeetingRow,
    ParticipantRow,
    ProposalRow,
    ReferralRow,
    SlotHoldRow,
)

CHANNEL: Final = "telegram"
CHUNK: Final = 20_000
FIRST_NAMES: Final = ("Amal", "Priya", "Marc", "Olena", "Wei", "Fatima", "Juan", "Aroha", "Reza", "Maria", "Kwame")
LAST_NAMES: Final = ("Haddad", "Sharma", "Tremblay", "Kovalenko", "Chen", "Rahimi", "García", "Okafor", "Santos")
JOBS: Final = (
    "Software developer",
    "Accountant",
    "Civil engineer",
    "Registered nurse",
    "Marketing coordinator",
    "Electrician",
    "Data analyst",
    "Project manager",
    "Pharmacist",
    "High school teacher",
    "Mechanical engineer",
    "Financial analyst",
)
ORGANIZATIONS: Final = ("Shopify", "City of Kitchener", "Grand River Hospital", "Sun Life", "OpenText", "Manulife")


@dataclass
class Population:
    """Who was written: ids by role, so a benchmark can find its people."""

    connectees: list[int] = field(default_factory=list)
    connectors: list[int] = field(default_factory=list)
    counts: dict[str, int] = field(default_factory=dict)
    capacity: dict[int, int] = field(default_factory=dict)  # connector -> newcomers a month (their answer)


def answer(rng: random.Random, question: Question, role: str) -> Any:
    """A plausible stored answer to `question` (None: skipped, for an optional one now and then)."""
    if question.optional and rng.random() < 0.2:
        return None
    key = question.key
    if question.kind is Kind.TEXT:
        if key == "name":
            return f"{rng.choice(FIRST_NAMES)} {rng.choice(LAST_NAMES)}"
        if key == "organization":
            return rng.choice(ORGANIZATIONS)
        if key in ("occupation", "job_title"):
            return rng.choice(JOBS)
        return "Uptown Waterloo, near the library"
    if question.kind is Kind.CHOICE:
        return rng.choice(question.options).value
    if question.kind in (Kind.MULTI, Kind.AVAILABILITY):
        count = rng.randint(2, 6) if question.kind is Kind.AVAILABILITY else rng.randint(1, 3)
        return [option.value for option in rng.sample(question.options, min(count, len(question.options)))]
    if question.kind is Kind.YEAR:
        return rng.randint(2015, 2026)
    if question.kind is Kind.NUMBER:
        return rng.randint(question.minimum or 1, question.maximum or 4)
    if question.kind is Kind.PHONE:
        return f"+1519555{rng.randint(0, 9999):04d}"
    if question.kind is Kind.EMAIL:
        return f"person{rng.randint(1, 10**6)}@example.com"
    if question.kind is Kind.LINK:
        return f"https://www.linkedin.com/in/person-{rng.randint(1, 10**6)}"
    return None


def _asked(form: Form, answers: dict[str, Any]) -> Iterable[Question]:
    for question in form.questions:
        if question.kind is Kind.CONSENT:
            continue
        condition = question.ask_if
        if condition is not None and answers.get(condition.key) not in condition.values:
            continue
        yield question


async def _insert(engine: AsyncEngine, table: Table, rows: Sequence[dict[str, Any]]) -> None:
    for start in range(0, len(rows), CHUNK):
        async with engine.begin() as connection:
            await connection.execute(insert(table), list(rows[start : start + CHUNK]))


async def people(
    engine: AsyncEngine,
    program: Program,
    *,
    connectees: int,
    connectors: int,
    now: datetime,
    seed: int = 8,
    status: Status = Status.APPROVED,
    mixed: bool = False,
    told: bool = False,
    first_id: int = 1,
    first_user: int = 1_000_000,
) -> Population:
    """Participants with every answer their form asks, and a conversation each (finished intake).

    `mixed`: statuses as a program's records hold them over two years (most approved, some submitted,
    in progress, declined or erased); otherwise everyone has `status`. `told`: approved newcomers
    were told already that no connector is free yet (as after their own approval).
    """
    rng = random.Random(seed)
    population = Population()
    participants: list[dict[str, Any]] = []
    answers: list[dict[str, Any]] = []
    conversations: list[dict[str, Any]] = []
    roles = [Role.CONNECTEE] * connectees + [Role.CONNECTOR] * connectors
    rng.shuffle(roles)
    statuses = [Status.APPROVED] * 70 + [Status.SUBMITTED] * 8 + [Status.IN_PROGRESS] * 10 + [Status.DECLINED] * 7
    statuses += [Status.ERASED] * 5
    for index, role in enumerate(roles, start=first_id):
        created = now - timedelta(days=rng.uniform(1, 730)) if mixed else now - timedelta(days=rng.uniform(1, 60))
        person_status = rng.choice(statuses) if mixed else status
        language = rng.choice(program.languages)
        participant_id = index
        participants.append(
            {
                "id": participant_id,
                "channel": CHANNEL,
                "user_id": 0 if person_status is Status.ERASED else first_user + index,
                "chat_id": 0 if person_status is Status.ERASED else first_user + index,
                "role": role.value,
                "language": language,
                "status": person_status.value,
                "consent_version": "2026-11",
                "consented_at": created,
                "consent_language": language,
                "submitted_at": None if person_status is Status.IN_PROGRESS else created + timedelta(minutes=9),
                "created_at": created,
                "updated_at": created + timedelta(minutes=9),
                "time_zone": None if rng.random() < 0.9 else "America/Vancouver",
                "reviewed_at": created + timedelta(hours=20) if person_status is not Status.IN_PROGRESS else None,
                "paused_until": None,
                "unmatched_since": created + timedelta(days=1) if told and role is Role.CONNECTEE else None,
                "unreachable_since": None,
                "erased_at": created + timedelta(days=30) if person_status is Status.ERASED else None,
                "erased_reason": "request" if person_status is Status.ERASED else None,
            }
        )
        (population.connectees if role is Role.CONNECTEE else population.connectors).append(participant_id)
        if person_status is Status.ERASED:
            continue
        form = program.forms[role.value]
        given: dict[str, Any] = {}
        for question in _asked(form, given):
            given[question.key] = answer(rng, question, role.value)
            if person_status is Status.IN_PROGRESS and rng.random() < 0.15:
                break
        if role is Role.CONNECTOR and isinstance(given.get("capacity"), int):
            population.capacity[participant_id] = given["capacity"]
        for key, value in given.items():
            answers.append(
                {"participant_id": participant_id, "question_key": key, "value": value, "updated_at": created}
            )
        conversations.append(
            {
                "channel": CHANNEL,
                "user_id": first_user + index,
                "chat_id": first_user + index,
                "language": language,
                "step": "done" if person_status is not Status.IN_PROGRESS else "question",
                "role": role.value,
                "participant_id": participant_id,
                "state": {},
                "updated_at": created,
            }
        )
    await _insert(engine, ParticipantRow.__table__, participants)  # type: ignore[arg-type]
    await _insert(engine, AnswerRow.__table__, answers)  # type: ignore[arg-type]
    await _insert(engine, ConversationRow.__table__, conversations)  # type: ignore[arg-type]
    population.counts = {"participants": len(participants), "answers": len(answers)}
    return population


async def history(
    engine: AsyncEngine,
    population: Population,
    *,
    matches: int,
    now: datetime,
    seed: int = 9,
    upcoming: bool = False,
) -> dict[str, int]:
    """Proposals between the population's people, with the meetings, follow-ups and referrals they led to.

    `upcoming`: meetings and proposals on hold in the coming two weeks (what matching must avoid);
    otherwise spread over the past two years.
    """
    rng = random.Random(seed)
    match_rows: list[dict[str, Any]] = []
    meeting_rows: list[dict[str, Any]] = []
    hold_rows: list[dict[str, Any]] = []
    follow_up_rows: list[dict[str, Any]] = []
    referral_rows: list[dict[str, Any]] = []
    held: set[tuple[int, datetime]] = set()
    outcomes = ["confirmed"] * 5 + ["declined", "expired", "cancelled"] + (["offered", "proposed"] if upcoming else [])
    for match_id in range(1, matches + 1):
        connectee, connector = rng.choice(population.connectees), rng.choice(population.connectors)
        created = now - timedelta(days=rng.uniform(0, 25 if upcoming else 700))
        status = rng.choice(outcomes)
        start = _slot(rng, now) if upcoming else created + timedelta(days=rng.randint(2, 12), hours=rng.randint(0, 8))
        if (connector, start) in held:
            continue
        match_rows.append(
            {
                "id": match_id,
                "connectee_id": connectee,
                "connector_id": connector,
                "status": status,
                "version": 2,
                "slots": [start.isoformat()],
                "slot": start if status in ("confirmed", "proposed") else None,
                "asked_by": None,
                "reasons": ["sector", "times", "capacity"],
                "ended_by": "connectee" if status == "declined" else None,
                "created_at": created,
                "updated_at": created + timedelta(hours=5),
            }
        )
        if status in (ProposalStatus.OFFERED.value, ProposalStatus.PROPOSED.value):
            held.add((connector, start))
            hold_rows.append(
                {
                    "connector_id": connector,
                    "starts_at": start,
                    "ends_at": start + timedelta(minutes=30),
                    "match_id": match_id,
                }
            )
        if status != ProposalStatus.CONFIRMED.value:
            continue
        held.add((connector, start))
        meeting_id = len(meeting_rows) + 1
        past = start < now
        outcome = (rng.choice(["held"] * 8 + ["no_show"]) if past else None) if not upcoming else None
        meeting_rows.append(
            {
                "id": meeting_id,
                "match_id": match_id,
                "connectee_id": connectee,
                "connector_id": connector,
                "starts_at": start,
                "ends_at": start + timedelta(minutes=30),
                "mode": rng.choice(["video", "in_person", "phone"]),
                "status": MeetingStatus.SCHEDULED.value,
                "created_at": created + timedelta(hours=5),
                "updated_at": created + timedelta(hours=5),
                "outcome": outcome,
                "absent_id": connector if outcome == "no_show" else None,
            }
        )
        if outcome != "held":
            continue
        for person, role in ((connectee, "connectee"), (connector, "connector")):
            follow_up_id = len(follow_up_rows) + 1
            follow_up_rows.append(
                {
                    "id": follow_up_id,
                    "meeting_id": meeting_id,
                    "participant_id": person,
                    "role": role,
                    "kind": "meeting",
                    "status": "done",
                    "step": None,
                    "answers": {"happened": "yes", "useful": rng.randint(3, 5), "next_step": "apply"},
                    "asked_at": start + timedelta(hours=2),
                    "nudged_at": None,
                    "answered_at": start + timedelta(hours=3),
                    "updated_at": start + timedelta(hours=3),
                }
            )
            if role == "connectee" and rng.random() < 0.5:
                referral_rows.append(
                    {
                        "id": len(referral_rows) + 1,
                        "meeting_id": meeting_id,
                        "follow_up_id": follow_up_id,
                        "connectee_id": connectee,
                        "connector_id": connector,
                        "name": f"{rng.choice(FIRST_NAMES)} {rng.choice(LAST_NAMES)}",
                        "role": "Hiring manager",
                        "organization": rng.choice(ORGANIZATIONS),
                        "invite_code": f"r{len(referral_rows) + 1:010d}",
                        "invitee_user_id": None,
                        "registered_id": None,
                        "created_at": start + timedelta(hours=3),
                    }
                )
    await _insert(engine, ProposalRow.__table__, match_rows)  # type: ignore[arg-type]
    await _insert(engine, MeetingRow.__table__, meeting_rows)  # type: ignore[arg-type]
    await _insert(engine, SlotHoldRow.__table__, hold_rows)  # type: ignore[arg-type]
    await _insert(engine, FollowUpRow.__table__, follow_up_rows)  # type: ignore[arg-type]
    await _insert(engine, ReferralRow.__table__, referral_rows)  # type: ignore[arg-type]
    return {
        "matches": len(match_rows),
        "meetings": len(meeting_rows),
        "slot_holds": len(hold_rows),
        "follow_ups": len(follow_up_rows),
        "referrals": len(referral_rows),
    }


def _slot(rng: random.Random, now: datetime) -> datetime:
    """A meeting start on the grid in the coming two weeks (UTC, on the half hour)."""
    day = (now + timedelta(days=rng.randint(1, 14))).date()
    return datetime(day.year, day.month, day.day, rng.randint(13, 23), rng.choice((0, 30)), tzinfo=UTC)


def plan_month(capacity: dict[int, int], full_share: float, seed: int = 10) -> dict[int, int]:
    """How many newcomers each connector took this month: `full_share` of them all they can."""
    rng = random.Random(seed)
    return {
        connector: room if rng.random() < full_share else rng.randint(0, room - 1)
        for connector, room in capacity.items()
    }


async def month_of_matching(
    engine: AsyncEngine,
    plan: dict[int, int],
    matched: list[int],
    waiting: list[int],
    *,
    now: datetime,
    past: int,
    seed: int = 10,
) -> dict[str, int]:
    """A month of matching behind a sweep: each connector took `plan[connector]` newcomers from
    `matched` (meetings booked or proposals on hold in the coming two weeks). And `past` proposals
    that came to nothing between waiting newcomers and connectors (declined or expired: never
    proposed again)."""
    rng = random.Random(seed)
    connectors = list(plan)
    month_start = now.replace(day=1, hour=5, minute=0, second=0, microsecond=0)
    matches: list[dict[str, Any]] = []
    meetings: list[dict[str, Any]] = []
    holds: list[dict[str, Any]] = []
    taken: set[tuple[int, datetime]] = set()
    newcomers = iter(matched)
    for connector, used in plan.items():
        for _ in range(used):
            connectee = next(newcomers, None)
            if connectee is None:
                break
            start = _slot(rng, now)
            while (connector, start) in taken:
                start = _slot(rng, now)
            taken.add((connector, start))
            match_id = len(matches) + 1
            created = month_start + (now - month_start) * rng.random()
            status = rng.choice((ProposalStatus.CONFIRMED, ProposalStatus.CONFIRMED, ProposalStatus.OFFERED))
            matches.append(_match(match_id, connectee, connector, status, start, created))
            if status is ProposalStatus.OFFERED:
                holds.append(
                    {
                        "connector_id": connector,
                        "starts_at": start,
                        "ends_at": start + timedelta(minutes=30),
                        "match_id": match_id,
                    }
                )
            else:
                meetings.append(
                    {
                        "id": len(meetings) + 1,
                        "match_id": match_id,
                        "connectee_id": connectee,
                        "connector_id": connector,
                        "starts_at": start,
                        "ends_at": start + timedelta(minutes=30),
                        "mode": "video",
                        "status": MeetingStatus.SCHEDULED.value,
                        "created_at": created,
                        "updated_at": created,
                        "outcome": None,
                        "absent_id": None,
                    }
                )
    for _ in range(past):
        created = now - timedelta(days=rng.uniform(3, 60))
        status = rng.choice((ProposalStatus.DECLINED, ProposalStatus.EXPIRED))
        matches.append(
            _match(len(matches) + 1, rng.choice(waiting), rng.choice(connectors), status, _slot(rng, created), created)
        )
    await _insert(engine, ProposalRow.__table__, matches)  # type: ignore[arg-type]
    await _insert(engine, MeetingRow.__table__, meetings)  # type: ignore[arg-type]
    await _insert(engine, SlotHoldRow.__table__, holds)  # type: ignore[arg-type]
    return {"matches": len(matches), "meetings": len(meetings), "slot_holds": len(holds)}


def _match(
    match_id: int, connectee: int, connector: int, status: ProposalStatus, start: datetime, created: datetime
) -> dict[str, Any]:
    return {
        "id": match_id,
        "connectee_id": connectee,
        "connector_id": connector,
        "status": status.value,
        "version": 1,
        "slots": [start.isoformat()],
        "slot": start if status is ProposalStatus.CONFIRMED else None,
        "asked_by": None,
        "reasons": ["sector", "times", "capacity"],
        "ended_by": "connectee" if status is ProposalStatus.DECLINED else None,
        "created_at": created,
        "updated_at": created,
    }
