"""Files, contacts and limits on the WhatsApp door, against the Cloud API emulator: a person's /mydata
arrives as a document they can open; a meeting's calendar entry arrives as one that parses, with
an add-to-calendar link; the other side's contact and a referral come as cards; the phone question
takes "Use this number" or a shared card; and what the Cloud API answers when too much goes to one
person, or to the number, or when it fails, is tried again until it arrives."""

from __future__ import annotations

import asyncio
import json
from pathlib import Path
from typing import Any
from urllib.parse import parse_qs, urlsplit

import aiohttp
import pytest
from icalendar import Calendar

from bot.catalogs import PROJECT_CATALOGS
from bot.channels import whatsapp_capabilities
from bot.channels.whatsapp import GraphClient
from bot.config import WhatsApp
from bot.delivery import Delivery
from handlers.core.events import payload_to_reply, reply_to_payload
from handlers.core.fitting import fit
from tests.e2e.store import Store
from tests.e2e.test_intake_on_whatsapp import act, newcomer_script, stored
from tests.e2e.whatsapp_emulator import (
    APP_SECRET,
    PHONE_NUMBER_ID,
    TOKEN,
    VERIFY_TOKEN,
    VERSION,
    CloudApiEmulator,
    PairRate,
    Refused,
    WhatsAppUser,
    check,
)
from tests.e2e.whatsapp_process import WhatsAppProcess
from tests.support.desk import Desk
from tests.support.personas import AMAL, COORDINATOR, DETAILS, PRIYA
from tests.unit.test_meeting_in_memory import ASKED, MEETING_START, THURSDAY_9AM, approved

EN = PROJECT_CATALOGS.translator("en")
USE_THIS_NUMBER = EN.gettext(whatsapp_capabilities.USE_THIS_NUMBER)
REMINDER = "Your meeting is tomorrow at 10:00."


async def registering(person: WhatsAppUser, *, to_the_phone_question: bool = False) -> None:
    """A newcomer's intake in English, up to their name (or on to the phone question)."""
    script = newcomer_script("en", "English")
    last = next(n for n, (action, _) in enumerate(script) if action == "press:Any of these")
    for action, expect in script[: last + 1 if to_the_phone_question else 5]:
        await act(person, action, expect)


async def _upload(whatsapp: CloudApiEmulator, mime: str, content: bytes, filename: str = "file") -> tuple[int, Any]:
    form = aiohttp.FormData()
    form.add_field("messaging_product", "whatsapp")
    form.add_field("type", mime)
    form.add_field("file", content, filename=filename, content_type=mime)
    headers = {"Authorization": f"Bearer {TOKEN}"}
    async with (
        aiohttp.ClientSession(headers=headers) as session,
        session.post(f"{whatsapp.url}/{VERSION}/{PHONE_NUMBER_ID}/media", data=form) as response,
    ):
        return response.status, await response.json()


async def test_the_emulator_takes_files_and_cards_as_the_cloud_api_does(whatsapp: CloudApiEmulator) -> None:
    status, answer = await _upload(whatsapp, "text/plain", b"BEGIN:VCALENDAR", "meeting.ics")
    assert status == 200 and answer["id"] in whatsapp.media
    for mime, content in (("application/json", b"{}"), ("text/calendar", b"BEGIN:VCALENDAR")):
        status, answer = await _upload(whatsapp, mime, content)
        assert (status, answer["error"]["code"]) == (400, 131053), f"{mime} is not on WhatsApp's list"
    status, answer = await _upload(whatsapp, "image/png", b"\x89PNG" + bytes(5_000_000))
    assert (status, answer["error"]["code"]) == (400, 131053), "an image over 5 MB"

    def refused(body: dict[str, Any]) -> int | None:
        try:
            check({"messaging_product": "whatsapp", "to": "15195550123"} | body, whatsapp.media)
        except Refused as refusal:
            return refusal.code
        return None

    (stored,) = [media_id for media_id, media in whatsapp.media.items() if media.filename == "meeting.ics"]
    assert refused({"type": "document", "document": {"id": stored, "filename": "meeting.ics"}}) is None
    assert refused({"type": "document", "document": {"id": "404"}}) == 131053, "an id the store never gave"
    assert refused({"type": "document", "document": {"filename": "meeting.ics"}}) == 100, "no id"
    assert refused({"type": "image", "image": {"id": stored}}) == 131053, "a text file is no image"
    card = {"name": {"formatted_name": "Priya", "first_name": "Priya"}, "phones": [{"phone": "+15195550111"}]}
    assert refused({"type": "contacts", "contacts": [card]}) is None
    assert refused({"type": "contacts", "contacts": [{"name": {"formatted_name": "Priya"}}]}) == 100, "one part more"
    assert refused({"type": "contacts", "contacts": []}) == 100


async def test_a_person_s_data_arrives_as_a_document_they_can_open(
    whatsapp: CloudApiEmulator, whatsapp_bot: WhatsAppProcess
) -> None:
    nadia = whatsapp.user("15195550123", "Nadia")
    await registering(nadia)
    seen = len(nadia.inbox)

    await nadia.send("/mydata")
    data = await nadia.wait_for(lambda m: m.kind == "document", after=seen)
    assert data.body["document"]["filename"] == "my-data.json"
    assert data.text == "Connector Program: everything stored about you"
    assert data.file is not None and data.file.mime == "text/plain", "JSON is not a type WhatsApp takes; text is"
    records = json.loads(data.file.content)
    assert "Nadia" in json.dumps(records, ensure_ascii=False)
    assert whatsapp.refused == []


async def test_the_phone_question_takes_the_number_they_write_from_or_a_shared_card(
    whatsapp: CloudApiEmulator, whatsapp_bot: WhatsAppProcess
) -> None:
    nadia, omar = whatsapp.user("15195550123", "Nadia"), whatsapp.user("15195550124", "Omar")
    for person in (nadia, omar):
        await registering(person, to_the_phone_question=True)
    asked = await nadia.wait_for(lambda m: m.offers(USE_THIS_NUMBER) is not None)
    assert asked.kind == "button" and [c["title"] for c in asked.choices()] == [USE_THIS_NUMBER, "Skip"]

    await act(nadia, f"press:{USE_THIS_NUMBER}", "What is your e-mail address?")
    seen = len(omar.inbox)
    assert await omar.share_contact("Omar Khalil", "(519) 555-0177", wa_id="15195550177") == 200
    await omar.wait_for("What is your e-mail address?", after=seen)

    assert stored(whatsapp_bot.workdir / "frontdoor.db", nadia.wa_id)[1]["phone"] == "+15195550123"
    assert stored(whatsapp_bot.workdir / "frontdoor.db", omar.wa_id)[1]["phone"] == "+15195550177"
    assert "Saved: +1 519-555-0123" in [m.text for m in nadia.inbox]
    assert whatsapp.refused == []


async def test_a_meeting_s_details_contact_card_and_calendar_entry_arrive_as_whatsapp_shows_them(
    whatsapp: CloudApiEmulator,
) -> None:
    """The meeting and its follow-up cannot be reached on the WhatsApp door alone (a coordinator
    approves on Telegram): the flows run in memory, and what they write to the newcomer, fitted to
    WhatsApp and through the outbox's payload, goes through the channel to the emulator."""
    desk = Desk(coordinators=[COORDINATOR])
    desk.capabilities = whatsapp_capabilities.capabilities()
    priya, amal = desk.person(201), desk.person(101)
    await approved(desk, (priya, "connector", PRIYA), (amal, "connectee", AMAL))
    await priya.click(THURSDAY_9AM)
    await amal.click("Yes, that works")
    details = amal.showing(DETAILS)
    calendar = amal.screen[amal.screen.index(details) + 1]
    await desk.run_jobs(ASKED)
    for step in ("Yes, we met", "5", "Add a contact"):
        await amal.click(step)
    for typed in ("Omar Khalil", "Engineering manager", "OpenText"):
        await amal.send(typed)
    added = amal.screen[-2]

    phone = whatsapp.user("101", "Amal")
    whatsapp.last_from[phone.wa_id] = whatsapp.now  # she wrote a moment ago: the window is open
    secrets = WhatsApp(TOKEN, PHONE_NUMBER_ID, APP_SECRET, VERIFY_TOKEN, whatsapp.url)
    client = GraphClient(secrets, lambda message, language: EN.gettext(message))
    try:
        for shown in (details, calendar, added):
            reply, _ = payload_to_reply(shown.payload)
            for part in fit(reply, desk.capabilities, EN):  # as bot.runtime fits it into the outbox
                assert await client.deliver(101, reply_to_payload(part)) == Delivery("sent")
    finally:
        await client.close()

    kinds = [m.kind for m in phone.inbox]
    assert kinds == ["button", "contacts", "document", "text", "contacts"], phone.report()
    words, card, ics, referral_words, referral = phone.inbox
    assert words.text.startswith("Your meeting is confirmed!") and "priya@example.com" in words.text
    assert card.body["contacts"][0] == {
        "name": {"formatted_name": "Priya", "first_name": "Priya"},
        "phones": [{"phone": "+15195550111", "type": "CELL"}],
        "emails": [{"email": "priya@example.com", "type": "WORK"}],
        "org": {"title": "Software engineer"},
    }
    assert ics.body["document"]["filename"] == "meeting.ics" and ics.file is not None
    event = Calendar.from_ical(ics.file.content).walk("VEVENT")[0]
    assert event.decoded("dtstart") == MEETING_START and "Priya" in str(event["summary"])
    said, link = ics.text.split("\n")
    assert said == "Add the meeting to your calendar"
    assert parse_qs(urlsplit(link).query)["dates"] == ["20261126T140000Z/20261126T143000Z"]
    assert referral_words.text.startswith("Added: Omar Khalil, Engineering manager, OpenText.")
    assert referral.body["contacts"][0] == {
        "name": {"formatted_name": "Omar Khalil", "first_name": "Omar Khalil"},
        "org": {"company": "OpenText", "title": "Engineering manager"},
    }
    assert whatsapp.refused == []


@pytest.mark.parametrize(
    ("endpoint", "status", "code"),
    [("messages", 400, 130429), ("messages", 400, 131056), ("messages", 502, None), ("media", 503, 131000)],
    ids=["throughput", "pair-rate", "bad-gateway", "upload-unavailable"],
)
async def test_what_the_cloud_api_cannot_take_now_is_sent_again_later(
    endpoint: str, status: int, code: int | None, whatsapp: CloudApiEmulator, whatsapp_bot: WhatsAppProcess
) -> None:
    amal = whatsapp.user("15195550125", "Amal")
    await amal.send("Hello")
    await amal.wait_for("Which language would you like to use?")
    seen = len(amal.inbox)
    whatsapp.failures[endpoint].append((status, code))

    if endpoint == "media":
        await amal.send("/mydata")
        await amal.wait_for(lambda m: m.kind == "document", after=seen)
        arrived = [m.body["document"]["filename"] for m in amal.inbox[seen:] if m.kind == "document"]
    else:
        await Store(whatsapp_bot.database_url).queue([(15195550125, REMINDER)], channel="whatsapp")
        await amal.wait_for(REMINDER, after=seen)
        arrived = [m.text for m in amal.inbox[seen:] if m.text == REMINDER]
    assert whatsapp.refused == [(code or status, "told to fail")], "refused once, then sent"
    assert arrived == ["my-data.json" if endpoint == "media" else REMINDER], "once, not twice"


async def _five_reminders(whatsapp: CloudApiEmulator, database_url: str) -> WhatsAppUser:
    amal = whatsapp.user("15195550126", "Amal")
    await amal.send("Hello")
    await amal.wait_for("Which language would you like to use?")
    await asyncio.sleep(1.0)  # the pair's allowance full again after the greeting
    reminders = [(15195550126, f"Reminder {n}") for n in range(1, 6)]
    await Store(database_url).queue(reminders, channel="whatsapp")
    for n in range(1, 6):
        await amal.wait_for(f"Reminder {n}")
    return amal


async def test_more_than_the_pair_rate_to_one_person_is_refused_and_sent_again_in_order(
    whatsapp: CloudApiEmulator, whatsapp_bot: WhatsAppProcess
) -> None:
    whatsapp.pair_rate = PairRate(interval=0.5, burst=2)  # the bot is told no pair rate: it finds Meta's
    amal = await _five_reminders(whatsapp, whatsapp_bot.database_url)

    assert (131056, "(#131056) (Business Account, Consumer Account) pair rate limit hit") in whatsapp.refused
    shown = [m.text for m in amal.inbox if m.text.startswith("Reminder")]
    assert shown == [f"Reminder {n}" for n in range(1, 6)], "each once, in order"
    store = Store(whatsapp_bot.database_url)
    while (await store.outbox()).get("pending"):  # the last one's record a moment after it arrived
        await asyncio.sleep(0.05)
    assert (await store.outbox()).get("dead") is None, "none given up"


async def test_a_sender_told_the_pair_rate_keeps_to_it_and_is_never_refused(
    whatsapp: CloudApiEmulator, tmp_path: Path
) -> None:
    whatsapp.pair_rate = PairRate(interval=0.5, burst=2)
    told = {"FRONTDOOR_WHATSAPP_PAIR_INTERVAL": "0.5", "FRONTDOOR_WHATSAPP_PAIR_BURST": "2"}
    bot = WhatsAppProcess(whatsapp, tmp_path, environment=told)
    await bot.start()
    try:
        amal = await _five_reminders(whatsapp, bot.database_url)
    finally:
        bot.stop()
    assert whatsapp.refused == [], "paced as Meta counts: nothing refused"
    assert [m.text for m in amal.inbox if m.text.startswith("Reminder")] == [f"Reminder {n}" for n in range(1, 6)]
