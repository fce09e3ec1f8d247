"""`frontdoor chat`: the whole matching flow tried in a terminal, as the README promises. What other
people's actions send this person (the approval, the proposed time) shows while the chat waits for
a line, and the documents the bot sends are saved in a folder the chat names."""

from __future__ import annotations

import io
from pathlib import Path

from bot.app import Frontdoor
from bot.channels import terminal
from bot.channels.terminal import TerminalChat
from handlers.core.events import Event, Reply
from tests.support.clock import NOW
from tests.support.personas import COORDINATOR, DETAILS, INTRODUCTION, PRIYA, approve_all
from tests.support.world import world_on
from tests.unit.test_cli import AMAL_TYPED

AMAL = 7
HEALTH = {"sectors": ["health"], "job_title": "Nurse manager", "availability": ["mon-morning"]}  # as Amal types


def terminal_chat(app: Frontdoor, files: Path, out: io.StringIO, language: str | None = "en") -> TerminalChat:
    """A terminal session for Amal, wired as bot.commands.chat wires it."""

    async def handle(event: Event) -> list[Reply]:
        handled = await app.handle(terminal.CHANNEL, event)
        await app.mark_sent(handled.outbox_ids)
        return [Reply(handled.notice)] if handled.notice else handled.replies

    async def waiting() -> list[Reply]:
        return await app.take_waiting(terminal.CHANNEL, AMAL)

    return TerminalChat(handle, user_id=AMAL, language=language, out=out, files=files, waiting=waiting)


async def test_a_newcomer_in_the_terminal_is_approved_offered_a_time_and_gets_the_calendar_file(
    database_url: str, tmp_path: Path
) -> None:
    async with world_on(database_url, NOW, coordinators=[COORDINATOR]) as world:
        priya = world.phone(201)
        await world.register(priya, "connector", PRIYA | HEALTH)
        registering = io.StringIO()
        await terminal_chat(world.app, tmp_path / "files", registering).run(io.StringIO(AMAL_TYPED + "\n"))
        assert "Thank you, Amal! Your registration is submitted." in registering.getvalue()

        await approve_all(world)  # the coordinator, on Telegram
        introduction = priya.showing(INTRODUCTION)  # Priya, on Telegram, picks a time
        await priya.click(introduction.labels()[0], on=introduction)

        later = io.StringIO()
        await terminal_chat(world.app, tmp_path / "files", later).run(io.StringIO("1\n/mydata\n"))
        shown = later.getvalue()
        assert "Priya" in shown and "[1] Yes, that works" in shown, "the proposal shows while the chat waits"
        calendar = (tmp_path / "files" / "meeting.ics").resolve()
        assert f"[file] meeting.ics (Add the meeting to your calendar): saved to {calendar}" in shown
        assert calendar.read_bytes().startswith(b"BEGIN:VCALENDAR")
        assert f"saved to {(tmp_path / 'files' / 'my-data.json').resolve()}" in shown
        assert oct((tmp_path / "files" / "my-data.json").stat().st_mode & 0o777) == "0o600"
        await world.deliver()
        assert "Amal" in priya.showing(DETAILS).text, "Priya, on Telegram, gets the meeting's details"


async def test_a_registered_person_changes_language_with_the_language_option_and_no_expired_button(
    database_url: str, tmp_path: Path
) -> None:
    async with world_on(database_url, NOW, coordinators=[COORDINATOR]) as world:
        await terminal_chat(world.app, tmp_path, io.StringIO()).run(io.StringIO(AMAL_TYPED + "\n"))
        french = io.StringIO()
        await terminal_chat(world.app, tmp_path, french, language="fr").run(io.StringIO("/status\n"))
        shown = french.getvalue()
        assert "This button has expired" not in shown and "Ce bouton a expiré" not in shown
        assert "✔ Français" in shown
        english = io.StringIO()
        await terminal_chat(world.app, tmp_path, english, language="en").run(io.StringIO(""))
        assert "expired" not in english.getvalue() and "✔ English" in english.getvalue()


async def test_the_role_option_without_a_language_is_taken_once_she_has_chosen_one(
    database_url: str, tmp_path: Path
) -> None:
    async with world_on(database_url, NOW) as world:
        first = io.StringIO()
        chat = terminal_chat(world.app, tmp_path / "files", first, language=None)
        await chat.run(io.StringIO("Français\n1\n"), role="connectee")
        shown = first.getvalue()
        assert "left aside" not in shown, "she had chosen no role: nothing to leave aside"
        assert "Êtes-vous nouvelle ou nouveau dans la région" not in shown, "the role is not asked: it was given"
        assert "[1] J'accepte" in shown, "from the language straight to the terms"
        assert "✔ J'accepte" in shown

        again = io.StringIO()
        await terminal_chat(world.app, tmp_path / "files", again).run(io.StringIO(""), role="connector")
        assert "(--role connector left aside: this person has chosen a role already)" in again.getvalue()


async def test_a_button_s_number_typed_in_persian_digits_presses_it_and_keeps_her_name(
    database_url: str, tmp_path: Path
) -> None:
    # A Persian keyboard types ۱ for 1: pressing Keep must keep the name, not store "۱" as her name.
    async with world_on(database_url, NOW) as world:
        out = io.StringIO()
        chat = terminal_chat(world.app, tmp_path / "files", out, language="fa")
        await chat.run(io.StringIO("۱\nزهرا\n/back\n۱\n/back\n"), role="connectee")
        shown = out.getvalue()
        assert "✔ موافقم" in shown, "۱ pressed “I agree”"
        assert shown.count("پاسخ فعلی شما: \u2068زهرا\u2069") == 2, "۱ pressed Keep: her name is still زهرا"
        assert "\u2068۱\u2069" not in shown
