"""Forged buttons and coordinator commands carrying odd numbers: a superscript, another script's
digits, a sign, a space, zero, a number past the database's integer. Each is answered "This
button has expired" (a button) or with the command's usage line, in the person's language;
nothing changes, nothing fails to be retried or set aside, and the real button or number still
works. Through the worker's pipeline, on SQLite and on PostgreSQL."""

from __future__ import annotations

import io
import re
from pathlib import Path

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from sqlalchemy import delete, func, select

from bot.app import Received
from bot.channels.terminal import TerminalChat
from bot.cli_values import webhook_of
from bot.config import SettingsError, load_settings
from handlers.coordinators.buttons import Approve, PickConnector
from handlers.core.events import Button, Event, EventKind, Reply
from handlers.core.ids import database_id, number
from handlers.core.model import MeetingStatus, ProposalStatus
from handlers.core.translator import native_name
from handlers.front_desk import DESK_ROUTES
from handlers.intake.conversation import ROUTES as CONVERSATION_ROUTES
from storage.tables import IncomingUpdateRow, MeetingRow, ParticipantRow, ProposalRow
from tests.support.autopilot import complete_intake
from tests.support.chat import ChatClient
from tests.support.personas import AMAL, COORDINATOR, INTRODUCTION, OFFER, PRIYA, approve_all
from tests.support.world import Phone, World
from tests.unit.test_cli import frontdoor

EXPIRED = "This button has expired."
# Never a number we read: what str.isdigit() or int() let through, and what the database refuses.
ODD = (
    "²",
    "٣",  # Arabic-Indic three
    "３",  # full-width three
    "-1",
    "+1",
    " 1",
    "1 ",
    "1\n",
    "1_0",
    "",
    "99999999999999999999",  # past SQLite's 64 bits
    "3000000000",  # past PostgreSQL's integer
    "2147483648",
    "9" * 4301,  # past what int() reads at all
)
NOT_IDS = ("0", *ODD)
# What a coordinator may type as a command's argument: words (spaces only separate them).
ODD_WORDS = tuple(odd for odd in NOT_IDS if odd == odd.strip())
ARABIC_INDIC = str.maketrans("0123456789", "٠١٢٣٤٥٦٧٨٩")
FULL_WIDTH = str.maketrans("0123456789", "０１２３４５６７８９")


async def left_unhandled(world: World) -> int:
    """Updates still stored: waiting to be retried, or set aside as failed."""
    async with world.app.sessions() as session:
        return int(await session.scalar(select(func.count()).select_from(IncomingUpdateRow)) or 0)


async def press_forged(world: World, phone: Phone, data: str) -> Received:
    received = await world.arrive(phone, EventKind.CHOICE, data)
    assert await left_unhandled(world) == 0, f"{data[:40]!r} failed and waits to be retried"
    return received


async def command(world: World, phone: Phone, text: str) -> str:
    """A command typed by `phone`; the text of the answer it gets."""
    name, _, args = text.removeprefix("/").partition(" ")
    received = await world.arrive(phone, EventKind.COMMAND, name, args=args)
    assert await left_unhandled(world) == 0, f"{text[:40]!r} failed and waits to be retried"
    return "\n".join(reply.text for reply in received.handled.replies)


def said(world: World, language: str, msgid: str) -> str:
    return world.app.catalogs.translator(language).gettext(msgid)


def opening(world: World, language: str, msgid: str) -> str:
    """How a message with placeholders starts, in `language`: up to its first placeholder."""
    return said(world, language, msgid).partition("{")[0]


async def id_of(world: World, phone: Phone) -> int:
    async with world.app.sessions() as session:
        return int(await session.scalar(select(ParticipantRow.id).where(ParticipantRow.user_id == phone.user_id)) or 0)


async def a_meeting_booked_in_french_and_arabic(world: World) -> tuple[Phone, Phone]:
    """Priya reads Arabic, Amal French; Priya picks the first time, Amal confirms it."""
    priya, amal = world.phone(201, "ar"), world.phone(101, "fr")
    await world.register(priya, "connector", PRIYA)
    await world.register(amal, "connectee", AMAL)
    await approve_all(world)
    await priya.click(priya.showing(priya.text(INTRODUCTION)).labels()[0])
    await amal.click(amal.text(OFFER))
    return priya, amal


async def test_a_newcomer_pressing_forged_buttons_with_odd_ids_is_told_they_expired(world: World) -> None:
    _, amal = await a_meeting_booked_in_french_and_arabic(world)
    cancel = amal.text("Cancel the meeting")
    meeting = amal.showing(cancel).data_of(cancel).removeprefix("mx:")  # the real meeting's id, to forge around
    forged = ["tz:{}", "del:yes:{}", "mr:{}", "mx:{}", "my:{}", "mn:{}", "fu:{}:happened:yes", "ca:{}:1", "cd:1:{}"]
    screen = amal.texts()
    for template in forged:
        for odd in NOT_IDS if template != "tz:{}" else ODD:
            received = await press_forged(world, amal, template.format(odd))
            assert received.handled.notice == said(world, "fr", EXPIRED), template.format(odd)[:40]
    assert amal.texts() == screen, "nothing new was said, nothing was edited"
    async with world.app.sessions() as session:
        assert await session.scalar(select(MeetingRow.status)) == MeetingStatus.SCHEDULED.value

    await press_forged(world, amal, "tz:3")
    done = opening(world, "fr", "Done: your meeting times are now shown in {zone}.")
    assert amal.last.text.startswith(done), "a real time zone index still works"
    await press_forged(world, amal, f"mx:{meeting}")
    assert amal.last.text.startswith(opening(world, "fr", "Cancel your meeting with {name} on {when}?"))
    await press_forged(world, amal, f"del:yes:{await id_of(world, amal)}")
    erased = (
        "Done: your personal data is erased. Thank you for taking part in the program. "
        "If you would like to register again one day, send /start."
    )
    assert amal.last.text.startswith(opening(world, "fr", erased)), "a real erasure still works"


async def test_a_volunteer_pressing_forged_proposal_buttons_with_odd_ids_is_told_they_expired(world: World) -> None:
    priya, amal = world.phone(201, "ar"), world.phone(101)
    await world.register(priya, "connector", PRIYA)
    await world.register(amal, "connectee", AMAL)
    await approve_all(world)
    introduction = priya.showing(priya.text(INTRODUCTION))
    real = introduction.data_of(introduction.labels()[0])  # pk:<proposal>:<turn>:<slot index>
    _, proposal, turn, index = real.split(":")
    forged = [f"pk:{{}}:{turn}:{index}", f"pk:{proposal}:{{}}:{index}", f"pn:{{}}:{turn}", f"px:{proposal}:{{}}"]
    for template in forged:
        for odd in NOT_IDS:
            received = await press_forged(world, priya, template.format(odd))
            assert received.handled.notice == said(world, "ar", EXPIRED), template.format(odd)[:40]
    for odd in (*ODD, "3", "5"):  # three times are held: 0, 1 and 2
        received = await press_forged(world, priya, f"pk:{proposal}:{turn}:{odd}")
        assert received.handled.notice == said(world, "ar", EXPIRED)
    for wrong in (f"pk:{proposal}:{turn}", f"px:{proposal}:{turn}:0", f"pk:{proposal}:{turn}:0:0"):
        assert (await press_forged(world, priya, wrong)).handled.notice == said(world, "ar", EXPIRED)
    async with world.app.sessions() as session:
        stored = (await session.execute(select(ProposalRow.status, ProposalRow.version))).one()
        assert tuple(stored) == (ProposalStatus.OFFERED.value, int(turn)), "the proposal is as it was"

    await press_forged(world, priya, real)
    assert amal.last.shows(OFFER), "the real button proposed the time to Amal"


async def test_a_coordinator_typing_odd_numbers_gets_the_usage_line(world: World) -> None:
    priya, amal = world.phone(201), world.phone(101)
    await world.register(priya, "connector", PRIYA)
    await world.register(amal, "connectee", AMAL)
    coordinator = world.phone(COORDINATOR, "fr")
    await coordinator.send("/start")
    await coordinator.click(native_name("fr"))
    await approve_all(world)
    amal_id = await id_of(world, amal)
    usage = said(world, "fr", "Please add the participant's number, for example: /match 12")
    for odd in ODD_WORDS:
        assert await command(world, coordinator, f"/match {odd}") == usage, odd[:40]
        assert await command(world, coordinator, f"/pause {odd}") == usage, odd[:40]
        assert await command(world, coordinator, f"/pause #{odd}") == usage, odd[:40]
    days = said(world, "fr", "Please give the number of days as a whole number from 0 to 365.")
    for odd in (*(odd for odd in ODD_WORDS if odd not in ("0", "")), "366"):  # 0 days resumes; "" is 30 days
        assert await command(world, coordinator, f"/pause {amal_id} {odd}") == days, odd[:40]
    # Amal's number in Arabic-Indic and full-width digits: text to search for, not her number.
    for lookalike in ("²", str(amal_id).translate(ARABIC_INDIC), f"#{str(amal_id).translate(FULL_WIDTH)}"):
        answer = await command(world, coordinator, f"/find {lookalike}")
        assert answer == said(world, "fr", "Nobody found for “{text}”.").format(text=lookalike)
        answer = await command(world, coordinator, f"/pause {lookalike}")
        assert answer == usage
    async with world.app.sessions() as session:
        assert set(await session.scalars(select(ParticipantRow.paused_until))) == {None}, "nobody was paused"

    assert f"#{amal_id} " in await command(world, coordinator, f"/find {amal_id}"), "a real number still works"
    assert f"#{amal_id}" in await command(world, coordinator, f"/pause #{amal_id} 7")
    async with world.app.sessions() as session:
        assert await session.scalar(select(ParticipantRow.paused_until).where(ParticipantRow.id == amal_id))


async def test_a_coordinator_pressing_forged_review_buttons_with_odd_ids_is_told_they_expired(world: World) -> None:
    priya, amal = world.phone(201), world.phone(101)
    await world.register(priya, "connector", PRIYA)
    await world.register(amal, "connectee", AMAL)
    coordinator = world.phone(COORDINATOR, "fr")
    await coordinator.send("/start")
    await coordinator.click(native_name("fr"))
    amal_id = await id_of(world, amal)
    for template in ("ok:{}", "no:{}", "pick:{}:1", f"pick:{amal_id}:{{}}", f"ok:{amal_id}:{{}}"):
        for odd in NOT_IDS:
            received = await press_forged(world, coordinator, template.format(odd))
            assert received.handled.notice == said(world, "fr", EXPIRED), template.format(odd)[:40]
    async with world.app.sessions() as session:
        assert set(await session.scalars(select(ParticipantRow.status))) == {"submitted"}, "nobody was reviewed"

    await approve_all(world)
    async with world.app.sessions() as session:
        assert set(await session.scalars(select(ParticipantRow.status))) == {"approved"}, "the real buttons work"


async def test_a_forged_answer_button_with_a_superscript_at_a_number_question() -> None:
    chat = ChatClient(language_code="ur")
    await complete_intake(chat, "ur", "connector")
    capacity = chat.program.forms["connector"].question("capacity")
    await chat.click(chat.text("✏️ {label}").format(label=chat.text(capacity.label)))
    for odd in (*NOT_IDS, "5"):  # from 1 to 4
        await chat.press_forged(f"a:capacity:{odd}")
        assert chat.notices[-1] == chat.text(EXPIRED)
    assert chat.participant.answers["capacity"] == 1, "the answer given before is kept"
    await chat.click("3")
    assert chat.participant.answers["capacity"] == 3


# ---------------------------------------------------------------- any button data at all

# Every kind of button's code ("del" once, for "del:yes" and "del:no"), followed by any fields at all.
BUTTON_KINDS = sorted({route.button.code.split(":")[0] for route in (*DESK_ROUTES, *CONVERSATION_ROUTES)})
FIELD = st.one_of(
    st.sampled_from(NOT_IDS),
    st.integers(min_value=-(2**70), max_value=2**70).map(str),
    st.text(st.characters(categories=("Nd", "No")), min_size=1, max_size=3),  # digits of every script
    st.text(max_size=8),
)
BUTTON_DATA = st.one_of(
    st.text(max_size=64),
    st.builds(lambda kind, parts: ":".join((kind, *parts)), st.sampled_from(BUTTON_KINDS), st.lists(FIELD, max_size=4)),
)


@pytest.fixture
async def booked(world: World) -> tuple[World, list[Phone]]:
    priya, amal = await a_meeting_booked_in_french_and_arabic(world)
    return world, [amal, priya, world.phones[COORDINATOR]]


@settings(
    max_examples=60, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow]
)
@given(presses=st.lists(st.tuples(st.integers(min_value=0, max_value=2), BUTTON_DATA), min_size=1, max_size=4))
async def test_no_button_data_at_all_makes_the_front_desk_fail(
    booked: tuple[World, list[Phone]], presses: list[tuple[int, str]]
) -> None:
    world, people = booked
    # An earlier example's failure stays stored; left there, it would fail every later example too
    # and Hypothesis would shrink to an innocent one.
    async with world.app.sessions() as session:
        await session.execute(delete(IncomingUpdateRow))
        await session.commit()
    for who, data in presses:
        received = await press_forged(world, people[who], data)
        handled = received.handled
        assert handled.notice or handled.replies or handled.chats, f"no answer to {data!r}"


@given(text=st.one_of(st.text(), st.sampled_from(NOT_IDS)), low=st.integers(-5, 2**40), size=st.integers(0, 2**40))
def test_no_text_at_all_makes_the_number_reader_raise_or_read_what_is_not_plain_digits_in_range(
    text: str, low: int, size: int
) -> None:
    allowed = range(low, low + size)
    read = number(text, allowed)
    plain = text.isascii() and text.isdigit()
    assert read is None or (plain and int(text) == read and read in allowed)
    assert database_id(text) is None or (plain and 0 < int(text) < 2**31)


@given(st.integers(1, 2**31 - 1))
def test_every_real_id_reads_back(record_id: int) -> None:
    assert database_id(str(record_id)) == record_id
    assert PickConnector.unpack(f"pick:{record_id}:{record_id}") == PickConnector(record_id, record_id)
    assert Approve.unpack(f"ok:{record_id}:{record_id}") is None, "one field too many"


# ---------------------------------------------------------------- the terminal and the settings


async def test_a_superscript_typed_in_the_terminal_chat_is_text_not_a_numbered_button() -> None:
    events: list[Event] = []

    async def handle(event: Event) -> list[Reply]:
        events.append(event)
        return []

    chat = TerminalChat(handle, user_id=7, language="en", out=io.StringIO())
    buttons = ((Button("Yes", "consent:yes"), Button("Not now", "consent:no")),)
    chat.show([Reply("Agree?", buttons=buttons)])
    for typed in ("²", "+2", "0", "3"):
        await chat.say(typed)
    assert [(event.kind, event.text) for event in events] == [
        (EventKind.TEXT, typed) for typed in ("²", "+2", "0", "3")
    ]
    for typed in ("2", "٢", "２"):  # a number in any script's digits, as an Arabic or Chinese keyboard types it
        await chat.say(typed)
        assert (events[-1].kind, events[-1].text) == (EventKind.CHOICE, "consent:no"), typed


@pytest.mark.parametrize("odd", ["²", "٣", "１２", "-12", "+12", "12.0", "0", "99999999999999999999"])
def test_odd_digits_in_FRONTDOOR_COORDINATORS_make_nobody_a_coordinator(odd: str) -> None:
    with pytest.raises(SettingsError, match=re.escape(f"FRONTDOOR_COORDINATORS: {odd!r} is not a Telegram user id")):
        load_settings({"FRONTDOOR_COORDINATORS": f"12,{odd}"}, env_file=None)
    assert load_settings({"FRONTDOOR_COORDINATORS": "12, 7"}, env_file=None).coordinators == frozenset({12, 7})


def test_a_superscript_in_FRONTDOOR_COORDINATORS_is_one_line_and_status_2(tmp_path: Path) -> None:
    result = frontdoor("db", "upgrade", cwd=tmp_path, env={"FRONTDOOR_COORDINATORS": "12,²"})
    assert result.returncode == 2, result.stderr
    assert result.stderr == "frontdoor: FRONTDOOR_COORDINATORS: '²' is not a Telegram user id (a number)\n"


@pytest.mark.parametrize("port", ["²", "٨٠٨٠", "８０８０", "+8080", "0", "65536", "99999999999999999999"])
def test_odd_digits_in_the_webhook_port_are_refused(port: str) -> None:
    with pytest.raises(SettingsError, match="is not HOST:PORT"):
        webhook_of("https://bot.example.org/telegram", f"127.0.0.1:{port}")
    webhook = webhook_of("https://bot.example.org/telegram", "127.0.0.1:8443")
    assert webhook is not None and webhook.port == 8443, "a real port still works"


def test_a_superscript_webhook_port_is_one_line_and_status_2(tmp_path: Path) -> None:
    environment = {"FRONTDOOR_BOT_TOKEN": "1:a", "FRONTDOOR_TELEGRAM_API_URL": "http://127.0.0.1:9"}
    result = frontdoor(
        "run", "--webhook", "https://bot.example.org/t", "--listen", "127.0.0.1:²", cwd=tmp_path, env=environment
    )
    assert result.returncode == 2, result.stderr
    assert result.stderr == "frontdoor: --listen '127.0.0.1:²' is not HOST:PORT, e.g. 127.0.0.1:8080\n"
