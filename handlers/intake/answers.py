"""Checking and normalizing typed answers, one rule per kind of question.

Each check returns the value to store, or an Invalid holding a kind, specific message (a msgid
with placeholders) that the flow shows before asking the same question again.
"""

from __future__ import annotations

import re
import unicodedata
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any, Final
from urllib.parse import urlsplit
from zoneinfo import ZoneInfo

import idna

from handlers.core.program import Kind, Question
from handlers.core.translator import N_

TYPE_YOUR_ANSWER: Final = N_("Please type your answer.")
TAP_A_BUTTON: Final = N_("Please tap one of the buttons below.")
PHONE_REGION: Final = "CA"  # numbers typed without +1 are read as Canadian
LINK_LIMIT: Final = 300
# Bidi embeddings, overrides and isolates typed by a person could reorder the text around them.
_BIDI_CONTROLS: Final = re.compile("[\u202a-\u202e\u2066-\u2069\u200e\u200f\u061c]")
_SPACES: Final = re.compile(r"\s+")


@dataclass(frozen=True)
class Invalid:
    """Why an answer was refused: a msgid and its placeholders."""

    message: str
    params: dict[str, Any] = field(default_factory=dict)


def clean_text(raw: str) -> str:
    """NFC-normalize, drop control and bidi-override characters, fold runs of white space."""
    text = unicodedata.normalize("NFC", raw)
    text = _BIDI_CONTROLS.sub("", text)
    text = "".join(" " if unicodedata.category(char) in ("Cc", "Zl", "Zp") else char for char in text)
    return _SPACES.sub(" ", text).strip()


def check_typed(question: Question, raw: str, this_year: int) -> Any | Invalid:
    """The value to store for a typed answer to `question`, or why it cannot be used."""
    text = clean_text(raw)
    if not text:
        return Invalid(TYPE_YOUR_ANSWER)
    if question.kind is Kind.TEXT:
        return check_length(text, question.max_length)
    if question.kind is Kind.YEAR:
        return _check_year(text, question, this_year)
    if question.kind is Kind.NUMBER:
        return _check_number(text, question)
    if question.kind is Kind.PHONE:
        return check_phone(text)
    if question.kind is Kind.EMAIL:
        return _check_email(text)
    if question.kind is Kind.LINK:
        return _check_link(text)
    return Invalid(TAP_A_BUTTON)


def check_length(text: str, limit: int) -> str | Invalid:
    """`text` if it has at most `limit` characters (the intake's text questions, the follow-ups' typed answers)."""
    if len(text) > limit:
        return Invalid(
            N_("That is a bit long: please keep it under {limit} characters (you sent {length})."),
            {"limit": limit, "length": len(text)},
        )
    return text


def this_year(now: datetime, time_zone: str) -> int:
    """The year it is in the program's time zone: the clock's is UTC's, already the next one on New
    Year's Eve evening in Toronto, when "2027" would be taken as a year of arrival in 2026."""
    return now.astimezone(ZoneInfo(time_zone)).year


def year_range(question: Question, this_year: int) -> tuple[int, int]:
    """The first and last year a year question takes."""
    lowest = question.minimum if question.minimum is not None else 1900
    return lowest, this_year if question.this_year_max else (question.maximum or this_year)


def year_as_digits(question: Question, this_year: int) -> Invalid:
    """How a year is typed, with an example: the question says it too (handlers.intake.screens), so they agree."""
    return Invalid(
        N_("Please type the year as four digits, for example {example}."),
        {"example": year_range(question, this_year)[1]},
    )


def _check_year(text: str, question: Question, this_year: int) -> int | Invalid:
    lowest, highest = year_range(question, this_year)
    # The one number typed, with the words people write around a year ("2023年", "у 2023 р.",
    # "٢٠٢٣م", "۲۰۲۳ میلادی"); two numbers ("2022 or 2023") are not guessed between.
    numbers = re.findall(r"\d+", text)
    if len(numbers) != 1 or len(numbers[0]) != 4:
        return year_as_digits(question, this_year)
    year = int(numbers[0])
    if year < lowest:
        return Invalid(
            N_("{year} is earlier than we can record. Please type a year from {lowest} to {highest}."),
            {"year": year, "lowest": lowest, "highest": highest},
        )
    if year > highest:
        return Invalid(
            N_("{year} is still to come. Please type a year from {lowest} to {highest}."),
            {"year": year, "lowest": lowest, "highest": highest},
        )
    return year


def _check_number(text: str, question: Question) -> int | Invalid:
    lowest, highest = question.minimum or 0, question.maximum or 0
    if re.fullmatch(r"\d{1,6}", text) and lowest <= int(text) <= highest:
        return int(text)
    return Invalid(N_("Please choose a number from {lowest} to {highest}."), {"lowest": lowest, "highest": highest})


def check_phone(text: str) -> str | Invalid:
    """A phone number in E.164 form (+15195550123), read as Canadian unless it starts with +."""
    import phonenumbers  # on first use: what a bot imports before it polls is kept to what it needs then

    number = _parsed_phone(text)
    abroad = re.match(r"\s*(\d)(\d)", text)  # any script's digits, as phonenumbers reads them
    if number is None and abroad and int(abroad[1]) == int(abroad[2]) == 0:
        # "0063 917 …": most countries dial abroad with 00 where Canada dials 011, so a newcomer
        # types a number from home that way; no Canadian number starts with 00.
        number = _parsed_phone("+" + text[abroad.end() :])
    if number is None:
        return Invalid(
            N_(
                "That does not look like a phone number. Please type it with the area code, "
                "for example 519 555 0123, or tap Skip."
            )
        )
    return phonenumbers.format_number(number, phonenumbers.PhoneNumberFormat.E164)


def _parsed_phone(text: str) -> Any:
    """`text` as a valid phone number (a phonenumbers.PhoneNumber), or None."""
    import phonenumbers  # on first use, as in check_phone

    try:
        number = phonenumbers.parse(text, PHONE_REGION)
    except phonenumbers.NumberParseException:
        return None
    return number if phonenumbers.is_valid_number(number) else None


def _check_email(text: str) -> str | Invalid:
    from email_validator import EmailNotValidError, validate_email  # on first use, as phonenumbers above

    # A Chinese or Japanese input method in full-width mode types "ｗａｎｇ＠ｑｑ．ｃｏｍ": NFKC makes it
    # the ASCII address it means (a full-width letter left in would be stored, and mail would bounce);
    # a full stop ending the sentence ("wang@qq.com。") is no part of an address.
    text = unicodedata.normalize("NFKC", text).rstrip(".。｡")
    try:
        # No DNS look-up: the bot must answer at once and may run without a network.
        return validate_email(text, check_deliverability=False).normalized
    except EmailNotValidError:
        return Invalid(
            N_("That does not look like an e-mail address. Please check it (like name@example.com), or tap Skip.")
        )


def _check_link(text: str) -> str | Invalid:
    text = unicodedata.normalize("NFKC", text).rstrip(".。｡")  # full-width letters, a sentence's stop: as _check_email
    link = text if re.match(r"^[a-zA-Z][a-zA-Z0-9+.-]*://", text) else f"https://{text}"
    refused = Invalid(
        N_("That does not look like a web link. Please send it like linkedin.com/in/your-name, or tap Skip.")
    )
    try:
        parts = urlsplit(link)  # ValueError for a host such as "[oops" (an unclosed IPv6 bracket)
        # IDNA 2008 with UTS 46 mapping: a real host name in any script, nothing else.
        host = idna.encode(parts.hostname or "", uts46=True).decode("ascii")
    except (idna.IDNAError, UnicodeError, ValueError):
        return refused
    if (
        len(link) > LINK_LIMIT
        or parts.scheme not in ("http", "https")
        or " " in link
        or "." not in host
        or parts.username is not None  # user@host links hide where they lead
    ):
        return refused
    return link
