"""Files, contacts and pace on WhatsApp: a person's data and a meeting's calendar entry go as
documents WhatsApp takes (with an add-to-calendar link for the meeting), a picture as an image, a
shared contact as a card; a card a person shares, or "Use this number", reads as Telegram's shared
contact; and the sender keeps to the Cloud API's figures, not Telegram's."""

from __future__ import annotations

import json
from datetime import UTC, datetime
from urllib.parse import parse_qs, urlsplit

import pytest

from bot.catalogs import PROJECT_CATALOGS
from bot.channels import telegram_capabilities, whatsapp_capabilities
from bot.channels.whatsapp import delivery_of, read_message
from bot.channels.whatsapp_media import Upload, upload_of
from bot.channels.whatsapp_shapes import message
from bot.config import load_settings
from handlers.core.events import ContactCard, Document, EventKind, Photo, Reply, payload_to_reply, reply_to_payload
from handlers.core.fitting import fit
from handlers.meetings.calendar import meeting_ics

WHATSAPP = whatsapp_capabilities.capabilities()
TELEGRAM = telegram_capabilities.capabilities("bot")
EN = PROJECT_CATALOGS.translator("en")
STARTS = datetime(2026, 12, 10, 15, 0, tzinfo=UTC)


def _meeting() -> Document:
    ics = meeting_ics(
        uid="meeting-7@frontdoor",
        starts_at=STARTS,
        ends_at=datetime(2026, 12, 10, 15, 30, tzinfo=UTC),
        summary="Connector Program: meeting with Priya",
        description="How: by video call",
        location="",
        now=STARTS,
    )
    return Document("meeting.ics", ics, caption="Add the meeting to your calendar")


def test_a_person_s_data_goes_as_a_plain_text_document_keeping_its_name() -> None:
    records = json.dumps({"participant": {"first_name": "Amal"}}).encode()
    upload = upload_of(Reply("", document=Document("my-data.json", records, "Everything stored about you")))
    assert isinstance(upload, Upload)
    assert (upload.kind, upload.mime, upload.filename, upload.content) == (
        "document",
        "text/plain",
        "my-data.json",
        records,
    )
    assert upload.message("15195550123", "4490709327384033") == {
        "messaging_product": "whatsapp",
        "recipient_type": "individual",
        "to": "15195550123",
        "type": "document",
        "document": {"id": "4490709327384033", "filename": "my-data.json", "caption": "Everything stored about you"},
    }


def test_a_meeting_s_calendar_file_goes_as_text_with_an_add_to_calendar_link_in_its_caption() -> None:
    upload = upload_of(Reply("", document=_meeting()))
    assert isinstance(upload, Upload) and (upload.mime, upload.filename) == ("text/plain", "meeting.ics")
    said, link = upload.caption.split("\n")
    assert said == "Add the meeting to your calendar"
    asked = parse_qs(urlsplit(link).query)
    assert link.startswith("https://calendar.google.com/calendar/render?")
    assert asked["action"] == ["TEMPLATE"] and asked["dates"] == ["20261210T150000Z/20261210T153000Z"]
    assert asked["text"] == ["Connector Program: meeting with Priya"] and asked["details"] == ["How: by video call"]


def test_a_file_of_a_type_whatsapp_does_not_take_is_refused_not_sent() -> None:
    refused = upload_of(Reply("", document=Document("export.zip", b"PK\x03\x04", "Every record")))
    assert refused == "export.zip: not a document type WhatsApp takes (plain text, PDF, Office)"


def test_a_picture_goes_as_an_image_with_its_caption() -> None:
    upload = upload_of(Reply("", photo=Photo(b"\x89PNG\r\n", "This week")))
    assert isinstance(upload, Upload) and (upload.kind, upload.mime) == ("image", "image/png")
    assert upload.message("15195550123", "77")["image"] == {"id": "77", "caption": "This week"}


def test_a_shared_contact_is_a_card_of_its_own_on_whatsapp_and_the_words_alone_on_telegram() -> None:
    card = ContactCard("Priya", phones=("+15195550142",), emails=("priya@example.com",), title="Software engineer")
    details = Reply("Contact: +1 519-555-0142, priya@example.com", contact_card=card)
    words, shared = fit(details, WHATSAPP, EN)
    assert words == Reply("Contact: +1 519-555-0142, priya@example.com") and shared == Reply("", contact_card=card)
    assert fit(details, TELEGRAM, EN) == [Reply("Contact: +1 519-555-0142, priya@example.com")]

    stored, _ = payload_to_reply(json.loads(json.dumps(reply_to_payload(shared))))  # through the outbox
    assert message("15195550123", stored, "Choose") == {
        "messaging_product": "whatsapp",
        "recipient_type": "individual",
        "to": "15195550123",
        "type": "contacts",
        "contacts": [
            {
                "name": {"formatted_name": "Priya", "first_name": "Priya"},
                "phones": [{"phone": "+15195550142", "type": "CELL"}],
                "emails": [{"email": "priya@example.com", "type": "WORK"}],
                "org": {"title": "Software engineer"},
            }
        ],
    }


def test_a_contact_card_a_person_shares_reads_as_a_shared_contact_its_whatsapp_number_first() -> None:
    def shared(*phones: dict[str, str]) -> dict[str, object]:
        card = {"name": {"formatted_name": "Nadia Haddad", "first_name": "Nadia"}, "phones": list(phones)}
        return {"from": "15195550123", "id": "wamid.9", "type": "contacts", "contacts": [card]}

    event = read_message(shared({"phone": "(519) 555-0199", "wa_id": "15195550199", "type": "CELL"}))
    assert event is not None and (event.kind, event.text) == (EventKind.CONTACT, "15195550199")
    saved = read_message(shared({"phone": "+1 519-555-0198", "type": "HOME"}))
    assert saved is not None and (saved.kind, saved.text) == (EventKind.CONTACT, "+1 519-555-0198")
    second = read_message(shared({"type": "WORK"}, {"phone": "+1 519-555-0197", "type": "CELL"}))
    assert second is not None and second.text == "+1 519-555-0197", "the first entry that has a number"
    bare = read_message(shared())
    assert bare is not None and bare.kind is EventKind.OTHER, "a card without a number answers nothing"


@pytest.mark.parametrize("code", ["en", "fr", "es", "ar", "zh_Hans", "pa", "tl", "ur", "fa", "uk"])
def test_the_phone_question_offers_the_number_they_write_from_as_a_reply_button(code: str) -> None:
    use = PROJECT_CATALOGS.translator(code).gettext(WHATSAPP.contact_button)
    asked = Reply("What phone number can your volunteer reach you on?", contact_button=use, keyboard=("Skip",))
    shown = message("15195550123", asked, "Choose")["interactive"]
    assert shown["type"] == "button", f"{use!r}: a reply button holds 20 characters"
    own, skip = shown["action"]["buttons"]
    assert own["reply"]["title"] == use and skip["reply"]["title"] == "Skip"

    tapped = {"from": "15195550123", "id": "wamid.4", "type": "interactive"}
    tapped["interactive"] = {"type": "button_reply", "button_reply": dict(own["reply"])}
    event = read_message(tapped)
    assert event is not None and (event.kind, event.text) == (EventKind.CONTACT, "15195550123")


def test_throughput_pair_rate_and_server_errors_are_tried_again_later() -> None:
    def error(code: int) -> dict[str, object]:
        return {"error": {"code": code, "message": "said", "type": "OAuthException"}}

    assert delivery_of(400, error(130429)).outcome == "retry", "the number's throughput"
    assert delivery_of(400, error(131056)).outcome == "retry", "the pair rate"
    for status in (500, 502, 503, 504):
        assert delivery_of(status, None).outcome == "retry", f"{status} without a body"
    assert delivery_of(400, error(131053)).outcome == "rejected", "a media upload refused: not sent again"


def test_the_whatsapp_sender_keeps_to_the_cloud_api_s_figures_unless_told_otherwise() -> None:
    paced = load_settings({}, env_file=None).whatsapp_paced()
    assert (paced.send_rate, paced.chat_interval, paced.chat_burst) == (80.0, 6.0, 45)
    telegram = load_settings({}, env_file=None)
    assert (telegram.send_rate, telegram.chat_interval, telegram.chat_burst) == (30.0, 1.0, 2), "Telegram's unchanged"
    told = load_settings({"FRONTDOOR_WHATSAPP_PAIR_INTERVAL": "0", "FRONTDOOR_WHATSAPP_SEND_RATE": "20"}, env_file=None)
    assert (told.whatsapp_paced().send_rate, told.whatsapp_paced().chat_interval) == (20.0, 0.0)
