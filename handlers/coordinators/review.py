"""Coordinators: review applications (Approve / Decline), pick a connector in coordinator mode.

Coordinator commands and buttons answer only coordinators; anyone else gets what an unknown
command or a stale button gets, so nothing tells them these exist.
"""

from __future__ import annotations

from dataclasses import replace
from datetime import datetime, time, timedelta
from typing import Any, Final
from zoneinfo import ZoneInfo

from babel.lists import format_list

from handlers.coordinators.buttons import Approve, Decline, PickConnector
from handlers.coordinators.shortlist import applications_waiting, pick_reply, tell_coordinators
from handlers.core.buttons import PressedInProgram, Route, route
from handlers.core.events import Button, Outcome, Outgoing, Reply
from handlers.core.model import Participant, Role, Status
from handlers.core.people import answer, name, role_name, to, translator
from handlers.core.ports import Office
from handlers.core.translator import Translator, babel_locale
from handlers.matching import again, proposals
from handlers.matching.pool import Pool, suggestions, suggestions_for_each

PENDING_SHOWN: Final = 10
SWEEP: Final = "matching.sweep"
SWEEP_BATCH: Final = 200  # newcomers in one sweep's transaction; a next job takes the next ones
SWEEP_BEFORE_DIGEST: Final = timedelta(hours=1)


def application(t: Translator, office: Office, person: Participant) -> str:
    """An application in a few lines, for the coordinator who reviews it."""
    keys = (
        ("occupation", "sector", "goals") if person.role is Role.CONNECTEE else ("job_title", "organization", "sectors")
    )
    lines = [
        t.gettext("{name} (#{id}), {role}").format(name=name(person, t), id=person.id, role=role_name(t, person.role))
    ]
    lines += [value for value in (answer(office, t, person, key) for key in (*keys, "languages")) if value]
    return "\n".join(lines)


async def on_submitted(office: Office, person: Participant) -> list[Outgoing]:
    """A registration was submitted: approve it at once, or tell the coordinators it waits for them."""
    if office.program.matching.auto_approve:
        return await approve(office, person)

    def notice(t: Translator) -> Reply:
        text = t.gettext("New application to review:\n{application}\n\nSend /pending to review it.")
        return Reply(text.format(application=application(t, office, person)))

    return await tell_coordinators(office, notice)


async def on_edited(office: Office, person: Participant, changed: tuple[str, ...]) -> list[Outgoing]:
    """A submitted registration changed with /edit: the coordinators are told which answers, and how it reads now."""
    form = office.program.forms[person.role.value]
    keys = [q for q in form.questions if q.key in changed]

    def notice(t: Translator) -> Reply:
        labels = format_list([t.gettext(q.label) for q in keys], locale=babel_locale(t.language))
        text = t.gettext("{name} (#{id}) changed their registration: {answers}.\n\n{application}")
        return Reply(
            text.format(name=name(person, t), id=person.id, answers=labels, application=application(t, office, person))
        )

    return await tell_coordinators(office, notice)


async def pending(office: Office, t: Translator) -> list[Reply]:
    people, count = await office.matchmaking.applications(PENDING_SHOWN)
    if not people:
        return [Reply(t.gettext("No applications are waiting for review."))]
    heading = applications_waiting(t, count)
    if count > len(people):
        heading += "\n" + t.gettext("Here are the {shown} oldest.").format(shown=len(people))
    replies = [Reply(heading)]
    for person in people:
        buttons = (
            (
                Button(t.gettext("Approve"), Approve(person.id).pack()),
                Button(t.gettext("Decline"), Decline(person.id).pack()),
            ),
        )
        replies.append(Reply(application(t, office, person), buttons=buttons))
    return replies


async def _approve(button: Approve, pressed: PressedInProgram) -> Outcome | None:
    # Locked: every coordinator has this button, and two may press it at the same moment.
    person = await pressed.office.participants.get(button.participant_id, lock=True)
    if person is None or person.status is not Status.SUBMITTED:
        return None  # decided already, by this coordinator or another
    done = pressed.t.gettext("{application}\n\n✔ Approved").format(
        application=application(pressed.t, pressed.office, person)
    )
    return Outcome([Reply(done, edit=True)], await approve(pressed.office, person))


async def _decline_pressed(button: Decline, pressed: PressedInProgram) -> Outcome | None:
    person = await pressed.office.participants.get(button.participant_id, lock=True)
    if person is None or person.status is not Status.SUBMITTED:
        return None
    record = application(pressed.t, pressed.office, person)
    declined = pressed.t.gettext("{application}\n\n✖ Declined").format(application=record)
    return Outcome([Reply(declined, edit=True)], await _decline(pressed.office, person))


async def _pick_pressed(button: PickConnector, pressed: PressedInProgram) -> Outcome | None:
    # Locked: another coordinator may be proposing someone else to them at the same moment.
    connectee = await pressed.office.participants.get(button.connectee_id, lock=True)
    if connectee is None or connectee.role is not Role.CONNECTEE or connectee.status is not Status.APPROVED:
        return None
    return await _pick(pressed.office, connectee, button.connector_id, pressed.t)


async def approve(office: Office, person: Participant) -> list[Outgoing]:
    person.status, person.reviewed_at = Status.APPROVED, office.now
    await office.participants.update(person, office.now)
    t = translator(office, person)
    if person.role is Role.CONNECTOR:
        told = t.gettext(
            "Good news, {name}: your registration is approved! We will send you an introduction here "
            "when a newcomer from your field is looking for a conversation."
        )
        # Newcomers waiting for a connector may now have one.
        await office.jobs.schedule(SWEEP, f"sweep:approved:{person.id}", office.now, {})
        return [to(person, Reply(told.format(name=name(person, t))))]
    told = t.gettext(
        "Good news, {name}: your registration is approved! We are now looking for a volunteer from "
        "your field and will write to you here with a proposed meeting time."
    )
    return [to(person, Reply(told.format(name=name(person, t)))), *await proposals.find_connector(office, person)]


async def _decline(office: Office, person: Participant) -> list[Outgoing]:
    person.status, person.reviewed_at = Status.DECLINED, office.now
    await office.participants.update(person, office.now)
    t = translator(office, person)
    told = t.gettext(
        "Thank you for registering, {name}. We are sorry: the program cannot offer you a meeting at this "
        "time. If you have questions, please contact the program's coordinators."
    )
    return [to(person, Reply(told.format(name=name(person, t))))]


async def _pick(office: Office, connectee: Participant, connector_id: int, t: Translator) -> Outcome | None:
    """A coordinator chose a connector: propose, if the pair still meets every requirement."""
    if await office.matchmaking.current_proposals(connectee.id, Role.CONNECTEE):
        return Outcome(
            [
                Reply(
                    t.pgettext("coordinator", "{name} already has a proposal under way.").format(
                        name=name(connectee, t)
                    )
                )
            ]
        )
    suggested = await suggestions(office, connectee, limit=None)
    choice = next((s for s in suggested.found if s.connector_id == connector_id), None)
    if choice is None:
        fresh = pick_reply(t, office, connectee, replace(suggested, found=suggested.found[:3]))
        note = t.gettext("That volunteer is no longer free for {name}. Here are the suggestions now:").format(
            name=name(connectee, t)
        )
        return Outcome([Reply(note), fresh])
    connector = suggested.records[connector_id].participant
    await again.release(office, connectee)  # a coordinator's call after a missed meeting
    messages = await proposals.propose(office, connectee, connector, suggested.slots[connector_id], choice)
    done = t.gettext("✔ Proposed {volunteer} to {newcomer}; we will tell you how it goes in the digest.").format(
        volunteer=name(connector, t), newcomer=name(connectee, t)
    )
    return Outcome([Reply(done, edit=True)], messages)


async def schedule_sweeps(office: Office) -> None:
    """Make sure today's sweep exists (the job runner calls this at every run; the key dedupes).

    Every day, so that nobody waiting is forgotten; an hour before the digest, so that the digest
    tells what it left waiting. On the first of a month, when capacity frees up, it shows coordinators
    again the suggestions for newcomers they have seen before (`news`).
    """
    zone = ZoneInfo(office.program.time_zone)
    today = office.now.astimezone(zone).date()
    digest_at = datetime.combine(today, office.program.follow_up.digest_time, tzinfo=zone)
    due = max(digest_at - SWEEP_BEFORE_DIGEST, datetime.combine(today, time(0), tzinfo=zone))
    run = f"daily:{today.isoformat()}"
    await office.jobs.schedule(SWEEP, f"sweep:{run}", due, {"run": run, "news": today.day == 1})


async def sweep(office: Office, payload: dict[str, Any] | None = None, limit: int = SWEEP_BATCH) -> list[Outgoing]:
    """Try again for every connectee still waiting (a new connector may suit them), `limit` at a time,
    longest-waiting first; a job for the next `limit` follows when there are more."""
    given = payload or {}
    after = given.get("after")
    start = (datetime.fromisoformat(after[0]), int(after[1])) if isinstance(after, list) else None
    connectees = await office.matchmaking.waiting_connectees(limit, office.now, after=start)
    # Every connector loaded once for them all, not once for each (handlers.matching.pool.Pool).
    pool = await Pool.load(office, connectees, news=bool(given.get("news", True)))
    messages: list[Outgoing] = []
    for connectee in connectees:
        messages += await proposals.find_connector(office, connectee, pool)
    last = connectees[-1] if len(connectees) == limit else None
    if last is not None and last.reviewed_at is not None:
        run = str(given.get("run", f"at:{office.now.isoformat()}"))
        rest = {"run": run, "news": pool.news, "after": [last.reviewed_at.isoformat(), last.id]}
        await office.jobs.schedule(SWEEP, f"sweep:{run}:after:{last.id}", office.now, rest)
    return messages


async def dry_run(office: Office, t: Translator) -> list[str]:
    """What matching would suggest for everyone waiting, with reasons (or why nobody suits); nothing is
    stored or sent."""
    connectees = await office.matchmaking.waiting_connectees(SWEEP_BATCH, office.now)
    found = await suggestions_for_each(office, connectees) if connectees else {}
    lines = [pick_reply(t, office, connectee, found[connectee.id]).text for connectee in connectees]
    return lines or [t.gettext("Nobody is waiting for a volunteer.")]


ROUTES: Final[tuple[Route[PressedInProgram, Outcome], ...]] = (
    route(Approve, _approve),
    route(Decline, _decline_pressed),
    route(PickConnector, _pick_pressed),
)
