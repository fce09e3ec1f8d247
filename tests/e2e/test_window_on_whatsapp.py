"""WhatsApp's 24-hour window as Amal lives it, through `frontdoor run --whatsapp` and the Cloud API
emulator: a reminder within a day of her last message reads as written; later, as the template the
program registered in French, its blanks filled; a follow-up with no template registered waits, the
coordinators' digest names the template to register, and it reaches her as soon as she writes."""

from __future__ import annotations

import asyncio
import os
import subprocess
import sys
from collections.abc import AsyncIterator, Callable
from pathlib import Path

import pytest

from handlers.core.events import Button, Outgoing, Reply
from handlers.core.program import DEFAULT_PROGRAM_FILE
from handlers.core.templates import FOLLOW_UP, REMINDER, template
from tests.e2e.bot_process import ROOT
from tests.e2e.store import Store
from tests.e2e.whatsapp_emulator import CloudApiEmulator, WhatsAppUser
from tests.e2e.whatsapp_process import WhatsAppProcess

AMAL = 15195550140
REMINDER_TEXT = "Rappel : vous rencontrez Sam dans 24 heures, le mar. 24 nov. à 10:00."
QUESTION = "Comment s’est passée votre rencontre avec Sam ?"


@pytest.fixture
async def whatsapp_bot(whatsapp: CloudApiEmulator, tmp_path: Path) -> AsyncIterator[WhatsAppProcess]:
    """The bot, its program file naming the French reminder's template, registered with Meta."""
    program = tmp_path / "program.toml"
    named = '[whatsapp.templates]\nfr = { reminder = "frontdoor_reminder" }\n'
    program.write_text(DEFAULT_PROGRAM_FILE.read_text(encoding="utf-8").replace("[whatsapp.templates]\n", named))
    whatsapp.templates.add("frontdoor_reminder")
    process = WhatsAppProcess(whatsapp, tmp_path, {"FRONTDOOR_PROGRAM_FILE": str(program)})
    await process.start()
    yield process
    process.stop()


def reminder() -> Outgoing:
    """A meeting's reminder to Amal, in French, as bot.runtime.queue writes it for the job runner."""
    blanks = template(REMINDER, name="Sam", when="mar. 24 nov. à 10:00")
    return Outgoing("whatsapp", AMAL, Reply(REMINDER_TEXT, template=blanks), "fr")


def follow_up() -> Outgoing:
    """The question after her meeting, with its choices: no template is registered for it."""
    choices = ((Button("Très bien", "fu:1:good"),), (Button("Pas très bien", "fu:1:bad"),))
    return Outgoing("whatsapp", AMAL, Reply(QUESTION, buttons=choices, template=template(FOLLOW_UP, name="Sam")), "fr")


async def until(condition: Callable[[], object], timeout: float = 30.0) -> None:
    deadline = asyncio.get_running_loop().time() + timeout
    while not condition():
        assert asyncio.get_running_loop().time() < deadline, "waited in vain"
        await asyncio.sleep(0.05)


async def amal_says_hello(whatsapp: CloudApiEmulator, bot: WhatsAppProcess) -> tuple[WhatsAppUser, int, Store]:
    """Amal writes to the number: the bot answers; how many messages she has, and the bot's database."""
    amal = whatsapp.user(str(AMAL), "Amal")
    await amal.send("Bonjour")
    await amal.wait_for("Which language would you like to use?")
    store = Store(bot.database_url)
    await settled(store)
    return amal, len(amal.inbox), store


async def settled(store: Store) -> None:
    """Every message the bot wrote so far delivered (and recorded so): none is still on its way."""
    deadline = asyncio.get_running_loop().time() + 30
    while (await store.outbox()).get("pending"):
        assert asyncio.get_running_loop().time() < deadline, await store.outbox()
        await asyncio.sleep(0.05)


async def a_day_later(whatsapp: CloudApiEmulator, store: Store, hours: float = 25) -> None:
    """Her last message, as Meta and the bot each recorded it, moved `hours` back."""
    whatsapp.last_message_back(whatsapp.user(str(AMAL), "Amal"), hours)
    await store.last_wrote_back("whatsapp", AMAL, hours)


async def test_a_reminder_within_a_day_of_her_last_message_reads_as_written(
    whatsapp: CloudApiEmulator, whatsapp_bot: WhatsAppProcess
) -> None:
    amal, seen, store = await amal_says_hello(whatsapp, whatsapp_bot)

    await store.write([reminder()])
    got = await amal.wait_for("Rappel", after=seen)
    assert (got.kind, got.text) == ("text", REMINDER_TEXT)
    assert whatsapp.refused == []


async def test_a_reminder_a_day_later_goes_as_the_french_template_its_blanks_filled(
    whatsapp: CloudApiEmulator, whatsapp_bot: WhatsAppProcess
) -> None:
    amal, seen, store = await amal_says_hello(whatsapp, whatsapp_bot)
    await a_day_later(whatsapp, store)

    await store.write([reminder()])
    got = await amal.wait_for(lambda message: message.kind == "template", after=seen)
    assert got.template == ("frontdoor_reminder", "fr", ["Sam", "mar. 24 nov. à 10:00"])
    assert whatsapp.refused == [], "no free-form message tried outside the window"
    await until(lambda: len(amal.inbox) == seen + 1)
    assert (await store.outbox()).get("held") is None, "the template said all of it: nothing waits"


async def test_a_follow_up_with_no_template_waits_is_named_in_the_digest_and_reaches_her_when_she_writes(
    whatsapp: CloudApiEmulator, whatsapp_bot: WhatsAppProcess
) -> None:
    amal, seen, store = await amal_says_hello(whatsapp, whatsapp_bot)
    await a_day_later(whatsapp, store)

    await store.write([follow_up()])
    await until_held(store, 1)
    assert len(amal.inbox) == seen and whatsapp.refused == [], "nothing sent: it waits"

    digest = await coordinators_digest(whatsapp_bot)
    assert "1 person has messages waiting until they write again" in digest
    assert "1 waits for the template frontdoor_follow_up (fr)" in digest
    assert "frontdoor whatsapp templates --language fr" in digest

    await amal.send("Bonjour")
    question = await amal.wait_for(QUESTION, after=seen)
    assert question.offers("Très bien") is not None, "the question itself, with its choices"
    assert (await store.outbox()).get("held") is None
    assert "waiting until they write again" not in await coordinators_digest(whatsapp_bot)


async def until_held(store: Store, count: int) -> None:
    deadline = asyncio.get_running_loop().time() + 30
    while (await store.outbox()).get("held") != count:
        assert asyncio.get_running_loop().time() < deadline, await store.outbox()
        await asyncio.sleep(0.05)


async def coordinators_digest(bot: WhatsAppProcess) -> str:
    """`frontdoor digest --print` on the bot's database: what coordinators read in the morning. Run
    beside the event loop, not on it: the emulator answering the bot runs on this loop, and a bot
    kept waiting for its answer must not keep the digest waiting for the database in turn."""
    return await asyncio.to_thread(_digest, bot)


def _digest(bot: WhatsAppProcess) -> str:
    environment = {
        "PATH": os.environ.get("PATH", "/usr/bin:/bin"),
        "PYTHONPATH": str(ROOT),
        "FRONTDOOR_DATABASE_URL": bot.database_url,
        "FRONTDOOR_PROGRAM_FILE": bot.extra_environment["FRONTDOOR_PROGRAM_FILE"],
    }
    done = subprocess.run(
        [sys.executable, "-m", "bot.cli", "digest", "--print"],
        cwd=bot.workdir,
        env=environment,
        capture_output=True,
        text=True,
        timeout=180,
        check=True,
    )
    return done.stdout
