"""The WhatsApp door, measured as the throughput and latency benchmarks measure Telegram's (issue 29).

`frontdoor run --whatsapp --listen 127.0.0.1:PORT` runs as a real process on a new database (a
SQLite file, or PostgreSQL with `--database postgresql`), its Graph API a StubGraphAPI in this
process (benchmarks.whatsapp_stub). This process plays Meta: it POSTs each person's message to the
webhook, signed with the app secret, as the Cloud API delivers them. The intake is rehearsed on the
WhatsApp channel (benchmarks.intake.rehearse), so each step's replies are counted as WhatsApp gets
them (no edits; a long question in two messages).

- Throughput: the crowd's messages POSTed as fast as the webhook takes them, `CONNECTIONS` at once,
  each person's in order on one connection (a person answers the question they were asked); the
  rate runs from the first POST to the last reply owed reaching the stub. The yardstick is the bare
  aiohttp webhook echo (benchmarks.whatsapp_echo), also a process, fed the same POSTs.
- Latency: the messages POSTed evenly at the rate; one's latency runs from its POST leaving this
  process to the first reply for it reaching the stub's `/messages`.

Many distinct senders, the real pair rate kept (45 messages at once to a person, then one every 6 s):
none is sent more than a real intake sends, and the figures say the most any one got.
"""

from __future__ import annotations

import asyncio
import contextlib
import time
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Final

import aiohttp

from benchmarks.common import FirstReplies, fresh_database
from benchmarks.intake import PHONE, Step, in_turn
from benchmarks.whatsapp_stub import (
    FIRST_NUMBER,
    Door,
    Sent,
    StubGraphAPI,
    door_environment,
    running,
    sign,
    webhook_body,
)
from handlers.core.events import EventKind

DOOR: Final = "whatsapp"
CONNECTIONS: Final = 40  # webhook POSTs under way at once (Telegram's default for a webhook, as benchmarks.workers)
LIMIT_SECONDS: Final = 1800.0
DRAIN_SECONDS: Final = 600.0


@dataclass(frozen=True)
class Posted:
    """A person's message as Meta POSTs it (its body and signature made beforehand), and the replies owed."""

    wa_id: int
    body: bytes
    headers: dict[str, str]
    replies: int


@dataclass
class Measured:
    rate: float  # updates a second (throughput); 0 for latency
    latencies: list[float]
    backlog: int  # latency: messages still unanswered when the last was POSTed
    door_cpu: float  # the webhook process's CPU seconds per update
    own_cpu: float  # this process's (the stub and the POSTing) per update
    most_to_one: int  # the most messages one person got


def message_of(step: Step) -> dict[str, Any]:
    """The Cloud API's message for a rehearsed step: typed, tapped (a button's or row's id), or a shared card."""
    if step.kind is EventKind.CHOICE:
        return {
            "type": "interactive",
            "interactive": {"type": "list_reply", "list_reply": {"id": step.text, "title": "…"}},
        }
    if step.kind is EventKind.CONTACT:
        card = {
            "name": {"formatted_name": "Amal Haddad", "first_name": "Amal"},
            "phones": [{"phone": PHONE, "type": "CELL"}],
        }
        return {"type": "contacts", "contacts": [card]}
    text = f"/{step.text}" if step.kind is EventKind.COMMAND else step.text
    return {"type": "text", "text": {"body": text}}


def crowd(scripts: dict[str, list[Step]], users: int, steps: int | None = None) -> list[Posted]:
    """`users` people on WhatsApp, each in one of the languages in turn, their first `steps` steps,
    interleaved as a crowd sends them (benchmarks.intake.in_turn)."""
    posted: list[Posted] = []
    for wa_id, _language, step in in_turn(scripts, users, steps, FIRST_NUMBER):
        body = webhook_body(wa_id, f"wamid.bench{len(posted) + 1}", message_of(step))
        headers = {"Content-Type": "application/json", "X-Hub-Signature-256": sign(body)}
        posted.append(Posted(wa_id, body, headers, step.replies))
    return posted


async def _post(session: aiohttp.ClientSession, url: str, item: Posted) -> None:
    async with session.post(url, data=item.body, headers=item.headers) as answer:
        if answer.status != 200:
            raise RuntimeError(f"the webhook answered {answer.status}: {await answer.text()}")


async def measure(folder: Path, database_url: str, posted: list[Posted], rate: float | None = None) -> Measured:
    """Frontdoor's WhatsApp door on `database_url` fed `posted`: as fast as it takes them (`rate`
    None: throughput), or evenly at `rate` a second (latency)."""
    return await _measured(folder, database_url, posted, rate, "bot.cli", "run", "--whatsapp")


async def echo_rate(folder: Path, posted: list[Posted]) -> Measured:
    """The bare webhook echo fed `posted` as fast as it takes them: one message back for each."""
    echoed = [Posted(item.wa_id, item.body, item.headers, 1) for item in posted]
    return await _measured(folder, "", echoed, None, "benchmarks.whatsapp_echo")


async def _measured(
    folder: Path, database_url: str, posted: list[Posted], rate: float | None, module: str, *arguments: str
) -> Measured:
    api = StubGraphAPI()
    folder.mkdir(parents=True, exist_ok=True)
    async with api.serving():
        env = door_environment(api.url, database_url)
        async with running(folder, env, module, *arguments) as door:
            door_before, own_before = door.cpu_seconds(), time.process_time()
            if rate is None:
                measured = Measured(await _throughput(api, door, posted), [], 0, 0.0, 0.0, 0)
            else:
                latencies, backlog = await _at_rate(api, door, posted, rate)
                measured = Measured(0.0, latencies, backlog, 0.0, 0.0, 0)
            measured.door_cpu = (door.cpu_seconds() - door_before) / len(posted)
            measured.own_cpu = (time.process_time() - own_before) / len(posted)
    measured.most_to_one = api.most_to_one()
    return measured


async def _throughput(api: StubGraphAPI, door: Door, posted: list[Posted]) -> float:
    """Updates a second, from the first POST until every reply owed reached the stub."""
    owed, received, last = sum(item.replies for item in posted), 0, 0.0
    done = asyncio.Event()

    def on_send(sent: Sent) -> None:
        nonlocal received, last
        received, last = received + 1, sent.at
        if received >= owed:
            done.set()

    api.on_send = on_send
    lanes: list[list[Posted]] = [[] for _ in range(CONNECTIONS)]
    for item in posted:  # one person's messages on one connection, in order
        lanes[item.wa_id % CONNECTIONS].append(item)

    async def lane(session: aiohttp.ClientSession, items: list[Posted]) -> None:
        for item in items:
            await _post(session, door.url, item)

    async with aiohttp.ClientSession(connector=aiohttp.TCPConnector(limit=CONNECTIONS)) as session:
        began = time.perf_counter()
        await asyncio.gather(*(lane(session, items) for items in lanes))
        await asyncio.wait_for(done.wait(), timeout=LIMIT_SECONDS)
    return len(posted) / (last - began)


async def _at_rate(api: StubGraphAPI, door: Door, posted: list[Posted], rate: float) -> tuple[list[float], int]:
    """Each message's time from its POST to its first reply at the stub; and how many were unanswered
    when the last was POSTed."""
    replies = FirstReplies(sum(1 for item in posted if item.replies))
    api.on_send = lambda sent: replies.replied(sent.to, sent.at)
    under_way: set[asyncio.Task[None]] = set()
    async with aiohttp.ClientSession() as session:
        start = time.perf_counter()
        for index, item in enumerate(posted):
            pause = start + index / rate - time.perf_counter()
            if pause > 0:
                await asyncio.sleep(pause)
            replies.offered(item.wa_id, time.perf_counter(), item.replies)
            task = asyncio.create_task(_post(session, door.url, item))
            under_way.add(task)
            task.add_done_callback(under_way.discard)
        backlog = replies.remaining
        with contextlib.suppress(TimeoutError):
            await asyncio.wait_for(replies.done.wait(), timeout=DRAIN_SECONDS)
        await asyncio.gather(*under_way)
    return replies.latencies, backlog


async def on_database(kind: str, folder: Path, posted: list[Posted], rate: float | None = None) -> Measured:
    """`measure` on a new database of `kind` (a SQLite file in `folder`, or PostgreSQL), dropped after."""
    folder.mkdir(parents=True, exist_ok=True)
    async with fresh_database(kind, folder) as url:
        return await measure(folder, url, posted, rate)


def cpu_note(measured: Measured) -> str:
    return (
        f"CPU per update: the webhook process {measured.door_cpu * 1000:.2f} ms, this process (stub Graph API and "
        f"POSTing) {measured.own_cpu * 1000:.2f} ms; most messages to one person {measured.most_to_one} "
        f"(the pair rate lets 45 go at once)"
    )
