"""The preview's script: a volunteer and a newcomer register, a coordinator approves them, they agree
on a time, are reminded, meet, say how it went, and at last look at and erase their data.

The role being previewed also gives the wrong answers people give (a year in two digits, an e-mail
without its domain...), so the reviewer sees every error message in place. A part the bot answers
otherwise than the script expects is left out of the page and named (`Journey.missing`).
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any, Final

from sqlalchemy import select

from bot.preview.personas import Persona, persona
from bot.preview.stage import Phone, Stage, Unscripted, stage
from handlers.core.model import Role, Step
from handlers.core.program import Kind, Program, Question
from handlers.intake.buttons import ChooseLanguage, ChooseRole
from handlers.intake.screens import answer_label
from storage.tables import MeetingRow

# Monday, November 23, 2026, 10:00 in Toronto: the week ahead has every weekday's meeting times.
START: Final = datetime(2026, 11, 23, 15, 0, tzinfo=UTC)
CONNECTEE, CONNECTOR, COORDINATOR = 101, 201, 900
NEWCOMER_PHONE, VOLUNTEER_PHONE = "+15195550123", "+15195550111"


@dataclass
class Journey:
    """Each person's phone after the script ran, and the parts the script could not play."""

    language: str
    role: str
    phone: Phone
    missing: list[str] = field(default_factory=list)


def answers(role: str, p: Persona) -> dict[str, Any]:
    """What each role's persona answers, by question key (choices by the program file's values)."""
    languages = list(dict.fromkeys(["en", p.spoken]))
    if role == Role.CONNECTEE.value:
        return {
            "name": p.newcomer, "community": "kitchener", "arrival_year": 2023, "occupation": p.occupation,
            "sector": "it", "languages": languages, "availability": ["tue-morning", "thu-morning"],
            "meeting_mode": "video", "phone": NEWCOMER_PHONE, "email": f"{p.mail}@example.com",
            "profile_link": f"linkedin.com/in/{p.mail.replace('.', '-')}",
        }  # fmt: skip
    return {
        "name": p.volunteer, "organization": p.organization, "job_title": p.job_title, "sectors": ["it"],
        "languages": languages, "availability": ["tue-morning", "wed-afternoon", "thu-morning"],
        "meeting_mode": "any", "meeting_communities": ["kitchener"], "meeting_area": p.meeting_area,
        "capacity": 2, "phone": VOLUNTEER_PHONE, "email": f"{p.mail}.volunteer@example.com",
    }  # fmt: skip


def wrong_answers(question: Question, value: Any, p: Persona) -> list[str]:
    """What people type that the question refuses: each gets its own error message."""
    typed = {
        Kind.TEXT: [" ".join([str(value)] * (question.max_length // max(len(str(value)), 1) + 2))],
        Kind.YEAR: ["23", "1850", "2099"],
        Kind.NUMBER: ["99"],
        Kind.PHONE: ["555 01"],
        Kind.EMAIL: [f"{p.mail}@"],
        Kind.LINK: [f"{p.mail} linkedin"],
    }
    if question.kind in typed:
        return typed[question.kind]
    return [] if question.other else [p.occupation]  # words where a button is wanted


def label(stage: Stage, phone: Phone, question: Question, value: Any) -> str:
    return answer_label(stage.labels.translator(phone.language), question, value)


def first_option(question: Question) -> Any:
    """The answer to a question the personas leave to the program: its first option (ticked, if several)."""
    value = question.options[0].value if question.options else None
    return [value] if question.kind in (Kind.MULTI, Kind.AVAILABILITY) else value


async def register(stage: Stage, phone: Phone, role: str, *, mistakes: bool) -> None:
    """/start, language, role, consent, each question (wrong answers first with `mistakes`), the review."""
    p = persona(phone.language)
    given = answers(role, p)
    await stage.send(phone, "/start")
    await stage.press_data(phone, ChooseLanguage(phone.language).pack())
    await stage.press_data(phone, ChooseRole(role).pack())
    await stage.tap_msgid(phone, "I agree", "consent")
    form = stage.app.program.forms[role]
    while True:
        step, key = await stage.open_question(phone)
        if step is not Step.QUESTION or key is None:
            break
        question = form.question(key)
        value = given.get(key, first_option(question))
        if value is None:  # a question of the program's own the personas have no words for
            await stage.tap_msgid(phone, "Skip", "question") if question.optional else await stage.send(
                phone, p.occupation
            )
            continue
        for wrong in wrong_answers(question, value, p) if mistakes else []:
            await stage.send(phone, wrong)
        await answer(stage, phone, question, value, mistakes=mistakes)
    if step is not Step.REVIEW:
        raise Unscripted(f"the {role}'s intake ended at {step.value}, not its review")


async def answer(stage: Stage, phone: Phone, question: Question, value: Any, *, mistakes: bool) -> None:
    if question.kind is Kind.PHONE:
        await stage.share_contact(phone, str(value))
    elif question.kind in (Kind.CHOICE, Kind.NUMBER):
        await stage.tap(phone, label(stage, phone, question, value))
    elif question.kind in (Kind.MULTI, Kind.AVAILABILITY):
        if mistakes:  # Done with nothing ticked
            await stage.tap_msgid(phone, "Done")
        for item in value:
            await stage.tap(phone, label(stage, phone, question, item))
        await stage.tap_msgid(phone, "Done")
    else:
        await stage.send(phone, str(value))


async def meeting_times(stage: Stage) -> tuple[datetime, datetime]:
    async with stage.app.sessions() as session:
        meeting = (await session.execute(select(MeetingRow))).scalars().one()
    return meeting.starts_at.replace(tzinfo=UTC), meeting.ends_at.replace(tzinfo=UTC)


Part = tuple[str, Callable[[], Awaitable[None]]]


async def play(program: Program, locales: Path, language: str, role: str) -> Journey:
    """Run the whole script in `language`, and return the phone of whoever plays `role`."""
    async with stage(program, locales, START, frozenset({COORDINATOR})) as s:
        people = {
            Role.CONNECTOR.value: s.phone(CONNECTOR, language),
            Role.CONNECTEE.value: s.phone(CONNECTEE, language),
            COORDINATOR_ROLE: s.phone(COORDINATOR, language),
        }
        journey = Journey(language, role, people[role])
        parts = Script(s, people, role).parts()
        for number, (title, part) in enumerate(parts):
            s.scene(title)
            try:
                await part()
            except Unscripted as why:  # what follows needs this part done
                journey.missing += [f"{title}: {why}"] + [f"{later}: not reached" for later, _ in parts[number + 1 :]]
                break
        return journey


COORDINATOR_ROLE: Final = "coordinator"


class Script:
    """The parts of the journey in order, each as the people involved play it."""

    def __init__(self, stage: Stage, people: dict[str, Phone], role: str) -> None:
        self.s = stage
        self.role = role
        self.connector = people[Role.CONNECTOR.value]
        self.connectee = people[Role.CONNECTEE.value]
        self.coordinator = people[COORDINATOR_ROLE]
        self.viewer = people[role]

    def parts(self) -> list[Part]:
        return [
            ("A coordinator chooses their language", self.choose_language),
            ("The volunteer registers", lambda: self.register(self.connector, Role.CONNECTOR.value)),
            ("The newcomer registers", lambda: self.register(self.connectee, Role.CONNECTEE.value)),
            ("A coordinator approves both", self.approve),
            ("The proposal: a volunteer picks a time, the newcomer confirms it", self.propose),
            ("Commands: /status, /help (a coordinator's: /help, /stats, /find)", self.commands),
            ("Reminders, the coordinators' digest, and after the meeting", self.remind),
            ("How the meeting went", self.follow_up),
            ("A month and three months later", self.later),
            ("/mydata and /delete", self.own_data),
        ]

    async def register(self, phone: Phone, role: str) -> None:
        await register(self.s, phone, role, mistakes=role == self.role)
        await self.s.tap_msgid(phone, "Submit")

    async def choose_language(self) -> None:
        """A coordinator is written to in the language they chose in the chat."""
        await self.s.send(self.coordinator, "/language")
        await self.s.press_data(self.coordinator, ChooseLanguage(self.coordinator.language).pack())

    async def approve(self) -> None:
        await self.s.send(self.coordinator, "/pending")
        approve = self.s.text(self.coordinator, "Approve")
        applications = [b for b in self.coordinator.bubbles() if b.shows(approve)]
        if len(applications) != 2:
            raise Unscripted(f"{len(applications)} applications to approve, not 2")
        for bubble in applications:
            await self.s.tap(self.coordinator, approve, on=bubble)

    async def propose(self) -> None:
        introduction, _ = self.connector.find(self.s.text(self.connector, "I can't take this one"))
        await self.s.tap(self.connector, introduction.buttons[0][0].label, on=introduction)
        await self.s.tap_msgid(self.connectee, "Yes, that works")

    async def commands(self) -> None:
        typed = ["/help", "/stats", f"/find {persona(self.viewer.language).newcomer}"]
        for command in typed if self.viewer is self.coordinator else ["/status", "/help"]:
            await self.s.send(self.viewer, command)

    async def remind(self) -> None:
        """The job runner's every hour, from now until the follow-up after the meeting was asked."""
        _, ends = await meeting_times(self.s)
        hour = self.s.now
        while hour <= ends + timedelta(hours=3):
            hour += timedelta(hours=1)
            await self.s.run_jobs(hour)

    async def follow_up(self) -> None:
        p, s = persona(self.connectee.language), self.s
        for msgid in ("Yes, we met", "5", "Add a contact"):
            await s.tap_msgid(self.connectee, msgid)
        for typed in (p.contact, p.contact_role, p.contact_organization):
            await s.send(self.connectee, typed)
        await s.tap_msgid(self.connectee, "That's all")
        await s.send(self.connectee, p.next_step)
        for msgid in ("Yes, we met", "4", "1", "Yes, gladly"):
            await s.tap_msgid(self.connector, msgid)

    async def later(self) -> None:
        starts, _ = await meeting_times(self.s)
        for days, answers in ((30, ("Still looking", "A little")), (90, ("I work in my field", "Yes"))):
            await self.s.run_jobs(starts + timedelta(days=days))
            for msgid in answers:
                await self.s.tap_msgid(self.connectee, msgid)

    async def own_data(self) -> None:
        if self.viewer is self.coordinator:
            await self.s.send(self.connectee, "/delete")  # the coordinators are told the meeting's end
            await self.s.tap_msgid(self.connectee, "Yes, erase my data")
            return
        for command, then in (("/mydata", None), ("/delete", "No, keep it"), ("/delete", "Yes, erase my data")):
            await self.s.send(self.viewer, command)
            if then:
                await self.s.tap_msgid(self.viewer, then, "my data" if then == "No, keep it" else None)
        await self.s.send(self.viewer, "/start")
