"""Files on WhatsApp: a document or a picture goes to the Cloud API's media store first (`/media`,
multipart), then a message sends it by the id the store gave.

The Cloud API takes documents of a fixed list of types (plain text, PDF, the Office formats) and
images as JPEG or PNG; `text/calendar` and `application/json` are not on the list. What Frontdoor
sends a person is `my-data.json` (/mydata) and a meeting's `meeting.ics`. Both go as `text/plain`
with their own names kept: the type is the only one on the list that carries their bytes
unchanged (a PDF of the data would be a second rendering of it, to keep in step), and the name is
what a phone opens a document by: `my-data.json` opens as the readable text it is, and iOS shows
`meeting.ics` as an event to add. Android's viewers may show an .ics sent as text as text, so a
meeting's caption also carries an add-to-calendar link (Google Calendar's event template, which
opens in any browser), built from the .ics itself: the file stays the one source of the event.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import PurePosixPath
from typing import Any, Final
from urllib.parse import quote, urlencode

import aiohttp

from bot.channels import whatsapp_capabilities as limits
from handlers.core.events import Reply

# A file's type as WhatsApp takes it, by its name's ending: the Cloud API's supported document types
# are plain text, PDF and the Office formats; .ics and .json go as text (the module says why).
SENT_AS: Final = {
    ".txt": "text/plain",
    ".ics": "text/plain",
    ".json": "text/plain",
    ".csv": "text/plain",
    ".pdf": "application/pdf",
    ".doc": "application/msword",
    ".xls": "application/vnd.ms-excel",
    ".ppt": "application/vnd.ms-powerpoint",
    ".docx": "application/vnd.openxmlformats-officedocument.wordprocessingml.document",
    ".xlsx": "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
    ".pptx": "application/vnd.openxmlformats-officedocument.presentationml.presentation",
}
PICTURE: Final = ("picture.png", "image/png")  # a Photo is a PNG (handlers.core.events.Photo)
CALENDAR_TEMPLATE: Final = "https://calendar.google.com/calendar/render"
CALENDAR_STAMP: Final = "%Y%m%dT%H%M%SZ"


@dataclass(frozen=True)
class Upload:
    """A file as the media store takes it, and how the message that sends it shows it."""

    kind: str  # the message's type: "document" or "image"
    filename: str
    content: bytes
    mime: str
    caption: str

    def form(self) -> aiohttp.FormData:
        """The `/media` upload's multipart body: the file with its type, the type again, the product."""
        form = aiohttp.FormData()
        form.add_field("messaging_product", "whatsapp")
        form.add_field("type", self.mime)
        form.add_field("file", self.content, filename=self.filename, content_type=self.mime)
        return form

    def message(self, to: str, media_id: str) -> dict[str, Any]:
        """The Graph API's body sending the uploaded file to `to`."""
        shown: dict[str, str] = {"id": media_id}
        if self.kind == "document":
            shown["filename"] = self.filename
        if self.caption:
            shown["caption"] = self.caption
        base = {"messaging_product": "whatsapp", "recipient_type": "individual", "to": to}
        return base | {"type": self.kind, self.kind: shown}


def upload_of(reply: Reply) -> Upload | str:
    """The file `reply` carries as WhatsApp takes it; or why it cannot go (a type not on the Cloud
    API's list, a file over its size), which no retry changes."""
    if reply.photo is not None:
        filename, mime = PICTURE
        if len(reply.photo.content) > limits.IMAGE_BYTES:
            return f"a picture of {len(reply.photo.content)} bytes: WhatsApp takes at most {limits.IMAGE_BYTES}"
        return Upload("image", filename, reply.photo.content, mime, _fitted(reply.photo.caption))
    if reply.document is None:
        return "no file to send"
    document = reply.document
    sent_as = SENT_AS.get(PurePosixPath(document.filename).suffix.lower())
    if sent_as is None:
        return f"{document.filename}: not a document type WhatsApp takes (plain text, PDF, Office)"
    if len(document.content) > limits.FILE_BYTES:
        return f"{document.filename} of {len(document.content)} bytes: WhatsApp takes at most {limits.FILE_BYTES}"
    caption = document.caption
    link = calendar_link(document.content) if document.filename.lower().endswith(".ics") else None
    if link is not None and len(caption) + 1 + len(link) <= limits.CAPTION_CHARS:
        caption = f"{caption}\n{link}" if caption else link
    return Upload("document", document.filename, document.content, sent_as, _fitted(caption))


def _fitted(caption: str) -> str:
    """A caption within the Cloud API's length (ours are a line; a longer one loses its end)."""
    return caption if len(caption) <= limits.CAPTION_CHARS else caption[: limits.CAPTION_CHARS - 1] + "…"


def calendar_link(ics: bytes) -> str | None:
    """An add-to-calendar link for the first event of `ics` (its title, times, description, place);
    None when it holds no event with a start and an end in time."""
    from icalendar import Calendar  # a meeting's, as in handlers.meetings.calendar

    try:
        events = Calendar.from_ical(ics).walk("VEVENT")
    except ValueError:
        return None
    if not events:
        return None
    event = events[0]
    starts, ends = (event.get(key) for key in ("DTSTART", "DTEND"))
    if starts is None or ends is None or not all(isinstance(when.dt, datetime) for when in (starts, ends)):
        return None
    dates = "/".join(when.dt.astimezone(UTC).strftime(CALENDAR_STAMP) for when in (starts, ends))
    query = {"action": "TEMPLATE", "text": str(event.get("SUMMARY", "")), "dates": dates}
    more = (("details", "DESCRIPTION"), ("location", "LOCATION"))
    query |= {key: str(event[name]) for key, name in more if name in event}
    return f"{CALENDAR_TEMPLATE}?{urlencode(query, quote_via=quote)}"
