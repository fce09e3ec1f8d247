"""Small helpers every program-wide flow uses: a person's language, time zone, name and answers."""

from __future__ import annotations

from datetime import datetime
from typing import Final
from zoneinfo import ZoneInfo

from handlers.core.bidi import for_reader
from handlers.core.events import Outgoing, Reply
from handlers.core.model import Meeting, Participant, Proposal, Role
from handlers.core.ports import Office
from handlers.core.quoting import mentioned, quoted
from handlers.core.render import display_answer, in_own_words
from handlers.core.translator import N_, Translator

ROLE_NAMES: Final = {Role.CONNECTEE: N_("newcomer"), Role.CONNECTOR: N_("volunteer")}


def role_name(t: Translator, role: Role) -> str:
    """A role as the program's people call it ("newcomer", "volunteer")."""
    return t.gettext(ROLE_NAMES[role])


def zone_of(office: Office, person: Participant) -> str:
    return person.time_zone or office.program.time_zone


def translator(office: Office, person: Participant) -> Translator:
    return office.translations(person.language)


def to(person: Participant, reply: Reply) -> Outgoing:
    """A message for `person`, in their language."""
    return Outgoing(person.channel, person.chat_id, reply, person.language)


def answer(office: Office, t: Translator, person: Participant, key: str) -> str:
    """One of the person's answers as the reader says it, or "" when not given; what they typed in
    their own words (a text, a link, an "Other" choice) is quoted."""
    value = person.answers.get(key)
    if value is None:
        return ""
    try:
        question = office.program.forms[person.role.value].question(key)
    except KeyError:  # a key the person's form does not ask (a program file may leave it out)
        return ""
    shown = display_answer(t, question, value)
    return quoted(shown, t) if in_own_words(question, value) else mentioned(shown)


def name(person: Participant, t: Translator) -> str:
    """The first name, isolated for a reader of the other direction (and marked as typed by them)."""
    return mentioned(for_reader(person.first_name or "?", t.language))


def name_and_number(person: Participant, t: Translator) -> str:
    """The name and participant number a coordinator acts on ("Amal (#12)")."""
    return t.gettext("{name} (#{id})").format(name=name(person, t), id=person.id)


def month_start(office: Office) -> datetime:
    """The first moment of this month in the program's time zone (capacity is per month)."""
    local = office.now.astimezone(ZoneInfo(office.program.time_zone))
    return local.replace(day=1, hour=0, minute=0, second=0, microsecond=0)


async def coordinator_ids(office: Office) -> frozenset[int]:
    """Everyone who coordinates: those in the settings and those who joined with an invite code."""
    return office.named_coordinators | await office.roster.members(office.channel)


async def coordinator_seats(office: Office) -> list[tuple[str, int]]:
    """Every coordinator to tell of something, each on the channel they coordinate from: those of the
    office's channel, and when a person on another door acted, those of the coordinators' own channel."""
    seats = {(office.channel, user_id) for user_id in await coordinator_ids(office)}
    home = office.coordinators_channel
    if home and home != office.channel:
        named = office.named_on_coordinators_channel | await office.roster.members(home)
        seats |= {(home, user_id) for user_id in named}
    return sorted(seats)


async def both(office: Office, record: Proposal | Meeting) -> tuple[Participant, Participant] | None:
    """The connectee and the connector of a proposal or a meeting; None when either is gone."""
    connectee = await office.participants.get(record.connectee_id)
    connector = await office.participants.get(record.connector_id)
    if connectee is None or connector is None:
        return None
    return connectee, connector
