"""What the Cloud API refuses, and what the bot does about it: a message outside the 24-hour window
waits until the person writes again; a number that cannot receive marks the person unreachable."""

from __future__ import annotations

import asyncio
from collections.abc import Callable

from tests.e2e.store import Store
from tests.e2e.whatsapp_emulator import CloudApiEmulator, Refused, check
from tests.e2e.whatsapp_process import WhatsAppProcess


async def until(condition: Callable[[], object], timeout: float = 30.0) -> None:
    deadline = asyncio.get_running_loop().time() + timeout
    while not condition():
        assert asyncio.get_running_loop().time() < deadline, "waited in vain"
        await asyncio.sleep(0.05)


def _interactive(kind: str, action: dict[str, object], body: str = "Which one?", **more: object) -> dict[str, object]:
    interactive = {"type": kind, "body": {"text": body}, "action": action} | more
    return {"messaging_product": "whatsapp", "to": "15195550123", "type": "interactive", "interactive": interactive}


def _refused(body: dict[str, object]) -> int | None:
    try:
        check(body)
    except Refused as refused:
        return refused.code
    return None


def test_the_emulator_refuses_what_the_cloud_api_refuses() -> None:
    def buttons(*titles: str) -> dict[str, object]:
        return {"buttons": [{"type": "reply", "reply": {"id": f"b{n}", "title": t}} for n, t in enumerate(titles)]}

    def rows(count: int, title: str = "Row", description: str = "") -> dict[str, object]:
        row = {"title": title} | ({"description": description} if description else {})
        return {"button": "Choose", "sections": [{"rows": [row | {"id": f"r{n}"} for n in range(count)]}]}

    assert _refused(_interactive("button", buttons("Yes", "No", "Later"))) is None
    assert _refused(_interactive("button", buttons("1", "2", "3", "4"))) == 131009, "four buttons"
    assert _refused(_interactive("button", buttons("x" * 21))) == 131009, "a title of 21 characters"
    assert _refused(_interactive("button", buttons("Yes", "Yes"))) == 131009, "the same title twice"
    assert _refused(_interactive("list", rows(10))) is None
    assert _refused(_interactive("list", rows(11))) == 131009, "eleven rows"
    assert _refused(_interactive("list", rows(1, title="x" * 25))) == 131009, "a row title of 25"
    assert _refused(_interactive("list", rows(1, description="x" * 73))) == 131009, "a description of 73"
    assert _refused(_interactive("list", rows(1), body="x" * 1025)) == 131009, "a body of 1,025 under choices"
    same_ids = {"buttons": [{"type": "reply", "reply": {"id": "b", "title": title}} for title in ("Yes", "No")]}
    assert _refused(_interactive("button", same_ids)) == 131009, "the same id twice"
    header, footer = {"type": "text", "text": "x" * 60}, {"text": "x" * 60}
    assert _refused(_interactive("list", rows(1), header=header, footer=footer)) is None
    assert _refused(_interactive("list", rows(1), header=header | {"text": "x" * 61})) == 131009, "a header of 61"
    assert _refused(_interactive("list", rows(1), footer={"text": "x" * 61})) == 131009, "a footer of 61"
    text = {"messaging_product": "whatsapp", "to": "15195550123", "type": "text", "text": {"body": "x" * 4097}}
    assert _refused(text) == 100, "a text of 4,097"


async def test_a_message_outside_the_24_hour_window_waits_until_they_write_again(
    whatsapp: CloudApiEmulator, whatsapp_bot: WhatsAppProcess
) -> None:
    amal = whatsapp.user("15195550123", "Amal")
    await amal.send("Hello")
    await amal.wait_for("Which language would you like to use?")
    seen = len(amal.inbox)
    whatsapp.hours_pass(25)
    store = Store(whatsapp_bot.database_url)

    await store.queue([(15195550123, "Your meeting is tomorrow at 10:00.")], channel="whatsapp")
    await until(lambda: whatsapp.refused)
    assert whatsapp.refused[0][0] == 131047, "a free-form message 25 hours after her last"
    while (await store.outbox()).get("held") != 1:  # kept, not dropped, nor tried again and again
        await asyncio.sleep(0.05)
    assert whatsapp.refused == [whatsapp.refused[0]], "once: the bot learnt her window had closed"
    assert len(amal.inbox) == seen

    await amal.send("Hi again")
    reminder = await amal.wait_for("Your meeting is tomorrow at 10:00.", after=seen)
    assert reminder.kind == "text"


async def test_a_number_that_cannot_receive_marks_the_person_unreachable(
    whatsapp: CloudApiEmulator, whatsapp_bot: WhatsAppProcess
) -> None:
    amal = whatsapp.user("15195550125", "Amal")
    await amal.send("Hello")
    await amal.wait_for("Which language would you like to use?")
    await amal.press("English")
    await amal.press("I am new to the region")
    await amal.press("I agree")
    await amal.wait_for("What name would you like us to call you?")
    whatsapp.cannot_receive.add(amal.wa_id)  # she left WhatsApp
    store = Store(whatsapp_bot.database_url)
    assert (await store.unreachable()) == {15195550125: None}

    await store.queue([(15195550125, "Your meeting is tomorrow at 10:00.")], channel="whatsapp")
    await until(lambda: whatsapp.refused)
    assert whatsapp.refused == [(131026, "Message undeliverable")]
    while (await store.outbox()).get("pending"):
        await asyncio.sleep(0.05)
    assert (await store.unreachable())[15195550125] is not None, "not matched or asked again until she writes"
    assert (await store.outbox()).get("dead") == 1


async def test_a_message_reported_failed_afterwards_marks_the_person_unreachable(
    whatsapp: CloudApiEmulator, whatsapp_bot: WhatsAppProcess
) -> None:
    amal = whatsapp.user("15195550126", "Amal")
    await amal.send("Hello")
    for label in ("English", "I am new to the region", "I agree"):
        await amal.press(label)
    await amal.wait_for("What name would you like us to call you?")
    store = Store(whatsapp_bot.database_url)

    assert await whatsapp.report_status(amal, "delivered") == 200
    assert await whatsapp.report_status(amal, "read") == 200
    assert (await store.unreachable()) == {15195550126: None}, "delivered and read change nothing"
    undeliverable = {"code": 131026, "title": "Message undeliverable"}
    assert await whatsapp.report_status(amal, "failed", undeliverable) == 200
    assert (await store.unreachable())[15195550126] is not None
