"""Bot API requests checked against the published API (bot-api.json), before the emulator runs them.

Why: a request that real Telegram refuses must fail the end-to-end tests, not pass because the
emulator was lenient: the bot once published its command menu under "zh-Hans", which Telegram
refuses with 400, and the emulator took it, so `frontdoor run` died at start on real Telegram only.

What is checked comes from the published API as data (bot-api.json, see bot-api.README.md): each
method's parameters (names, types, which are required), each type's fields, recursively (a
reply_markup down to every InlineKeyboardButton), and the limits the descriptions state: "1-4096
characters after entities parsing", "0-1024 characters", "1-64 bytes", "At most 100 commands", "A
two-letter ISO 639-1 language code", "only lowercase English letters, digits and underscores".
A broken rule raises `BadRequest` with a description worded as Telegram words it where that is
known (WORDING), and plainly otherwise.

How values arrive: a form (aiogram's way) carries every parameter as a string, objects and arrays
JSON-serialized; a JSON body carries native values. Telegram reads a top-level parameter from its
text either way (42 and "42" are the same chat_id), and a field inside a JSON object as its JSON
reader does: a String field takes a number too, an Integer field an integer or its digits, a
Boolean field only true or false. `BotApiSpec.check` returns the parameters so typed.

Stricter than Telegram, on purpose: an unknown parameter or object field is refused, where
Telegram ignores it, because a misspelt option would otherwise silently do nothing. Text lengths
are counted in characters (code points) after removing the surrounding white space Telegram
trims; HTML is the one parse_mode emulated (its tags do not count), another is refused.
"""

from __future__ import annotations

import json
import re
from dataclasses import dataclass
from functools import cache
from html.parser import HTMLParser
from pathlib import Path
from typing import Any, Final

__all__ = ["BadRequest", "BotApiSpec"]

Params = dict[str, Any]

SPEC_FILE: Final = Path(__file__).with_name("bot-api.json")
INTEGER: Final = re.compile(r"-?\d+")
# Limits, as the descriptions state them.
LENGTH: Final = re.compile(r"(\d+)-(\d+) (characters|bytes)")
AFTER_ENTITIES: Final = re.compile(r"after entit(?:y|ies) parsing")
AT_MOST: Final = re.compile(r"At most (\d+)")
MAY_BE_EMPTY: Final = re.compile(r"(?:Use|Pass) an empty string")
DISCRIMINATOR: Final = re.compile(r"must be [\"“]?(\w+)")
PATTERNS: Final = {
    # setMyCommands and its kin: the page says "two-letter ISO 639-1"; the server takes two lowercase letters.
    "two-letter ISO 639-1 language code": re.compile(r"[a-z]{2}"),
    "only lowercase English letters, digits and underscores": re.compile(r"[a-z0-9_]*"),
    "Only characters A-Z, a-z, 0-9, _ and - are allowed": re.compile(r"[A-Za-z0-9_-]*"),
}


@dataclass(frozen=True)
class Wording:
    """Telegram's descriptions for a broken limit: too short (or empty), too long, not of the allowed characters."""

    short: str
    long: str
    malformed: str

    @classmethod
    def one(cls, description: str) -> Wording:
        return cls(description, description, description)


MESSAGE_TEXT: Final = Wording("message text is empty", "message is too long", "message text is invalid")
WORDING: Final[dict[tuple[str, str], Wording]] = {  # (owner, field) -> how Telegram says it; "*": any owner
    ("sendMessage", "text"): MESSAGE_TEXT,
    ("editMessageText", "text"): MESSAGE_TEXT,
    ("*", "caption"): Wording.one("message caption is too long"),
    ("*", "language_code"): Wording.one("invalid language code specified"),
    ("InlineKeyboardButton", "callback_data"): Wording.one("BUTTON_DATA_INVALID"),
    ("BotCommand", "command"): Wording.one("BOT_COMMAND_INVALID"),
    ("BotCommand", "description"): Wording.one("BOT_COMMAND_DESCRIPTION_INVALID"),
    ("setMyCommands", "commands"): Wording.one("BOT_COMMANDS_TOO_MUCH"),
    ("answerCallbackQuery", "text"): Wording.one("MESSAGE_TOO_LONG"),
    ("setWebhook", "secret_token"): Wording(
        "secret token is empty", "secret token is too long", "secret token contains unallowed characters"
    ),
}
MISSING: Final = {"chat_id": "chat_id is empty", "text": "message text is empty"}
# Fields Telegram refuses empty (or blank) though the page gives them no length: a button's text.
NON_EMPTY: Final = frozenset({("InlineKeyboardButton", "text"), ("KeyboardButton", "text")})
# Telegram's server takes a bare string for a reply keyboard button, which the page does not say.
BARE_STRING_TYPES: Final = frozenset({"KeyboardButton"})


class BadRequest(Exception):
    """A request Telegram answers with 400; the message is the description after "Bad Request: "."""


class _Malformed(Exception):
    """A value of the wrong shape, reported under the parameter that holds it."""


@dataclass(frozen=True)
class Field:
    """A method's parameter or a type's field, as published."""

    name: str
    types: tuple[str, ...]
    required: bool
    description: str

    @classmethod
    def of(cls, raw: dict[str, Any]) -> Field:
        required = bool(raw["required"]) and not MAY_BE_EMPTY.search(raw["description"])
        return cls(raw["name"], tuple(raw["types"]), required, raw["description"])


def _integer(value: Any, top: bool) -> int:
    if isinstance(value, int) and not isinstance(value, bool):
        return value
    if isinstance(value, str) and INTEGER.fullmatch(value.strip()):
        return int(value)
    raise _Malformed("must be of type Integer")


def _float(value: Any, top: bool) -> float:
    if isinstance(value, (int, float, str)) and not isinstance(value, bool):
        try:
            return float(value)
        except ValueError:
            pass
    raise _Malformed("must be of type Float")


def _boolean(value: Any, top: bool) -> bool:
    if isinstance(value, bool):
        return value
    if top and isinstance(value, str) and value.strip().lower() in ("true", "false", "1", "0"):
        return value.strip().lower() in ("true", "1")
    raise _Malformed("must be of type Boolean")


def _string(value: Any, top: bool) -> str:
    if isinstance(value, str):
        return value
    if isinstance(value, (int, float)) and not isinstance(value, bool):
        return json.dumps(value)  # a JSON number, read as its text
    raise _Malformed("must be of type String")


PRIMITIVES: Final = {"Integer": _integer, "Float": _float, "Boolean": _boolean, "String": _string}


def _holds_json(kinds: tuple[str, ...]) -> bool:
    """An object or an array: JSON-serialized in a form, and "can't parse ... JSON object" when wrong."""
    return any(kind not in PRIMITIVES and kind != "InputFile" for kind in kinds)


class _Text(HTMLParser):
    """The text of an HTML-formatted message, as Telegram shows it: tags out, entities decoded."""

    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.parts: list[str] = []

    def handle_data(self, data: str) -> None:
        self.parts.append(data)


def _visible(text: str, parse_mode: Any) -> str:
    """The text Telegram counts: after entities parsing, without the white space around it."""
    if parse_mode in (None, ""):
        return text.strip()
    if not isinstance(parse_mode, str) or parse_mode.lower() != "html":
        raise BadRequest(f"parse_mode {parse_mode!r} is not emulated (HTML is)")
    parser = _Text()
    parser.feed(text)
    parser.close()
    return "".join(parser.parts).strip()


def _wording(owner: str, name: str) -> Wording | None:
    return WORDING.get((owner, name)) or WORDING.get(("*", name))


def _enforce(owner: str, field: Field, value: Any, siblings: Params) -> None:
    """The limits the field's description states, in Telegram's words where known."""
    rule = field.description
    words = _wording(owner, field.name)
    if (owner, field.name) in NON_EMPTY and isinstance(value, str) and not value.strip():
        raise BadRequest(f"{field.name} of {owner} must be non-empty")
    for phrase, pattern in PATTERNS.items():
        if phrase in rule and isinstance(value, str) and not pattern.fullmatch(value):
            raise BadRequest(words.malformed if words else f"{field.name} is invalid")
    if isinstance(value, str) and (length := LENGTH.search(rule)):
        low, high, unit = int(length[1]), int(length[2]), length[3]
        if unit == "bytes":
            size = len(value.encode())
        else:
            size = len(_visible(value, siblings.get("parse_mode")) if AFTER_ENTITIES.search(rule) else value)
        if not low <= size <= high:
            plain = f"{field.name} must be {low}-{high} {unit}"
            raise BadRequest(plain if words is None else words.long if size > high else words.short)
    if isinstance(value, list) and (most := AT_MOST.search(rule)) and len(value) > int(most[1]):
        raise BadRequest(words.long if words else f"at most {most[1]} {field.name} can be specified")


class BotApiSpec:
    """The published Bot API: which methods exist, and `check` for a request's parameters."""

    def __init__(self, api: dict[str, Any]) -> None:
        self.version: str = api.get("version", "")
        self._methods = {name.lower(): (name, _fields(method)) for name, method in api["methods"].items()}
        self._types: dict[str, dict[str, Any]] = api["types"]
        self._type_fields: dict[str, dict[str, Field]] = {}

    @staticmethod
    @cache
    def published() -> BotApiSpec:
        """The API in tests/e2e/bot-api.json, read once per process."""
        return BotApiSpec(json.loads(SPEC_FILE.read_text(encoding="utf-8")))

    def knows(self, method: str) -> bool:
        return method.lower() in self._methods

    def check(self, method: str, params: Params) -> Params:
        """The parameters typed as the method declares them; `BadRequest` for anything Telegram would refuse."""
        name, fields = self._methods[method.lower()]
        unknown = sorted(set(params) - set(fields))
        if unknown:
            raise BadRequest(f'unknown parameter "{unknown[0]}" for {name}')
        typed: Params = {}
        for field in fields.values():
            value = params.get(field.name)
            if value is None or value == "":  # what a form cannot tell apart from a missing parameter
                if field.required:
                    raise BadRequest(MISSING.get(field.name, f'parameter "{field.name}" is required'))
                continue
            try:
                typed[field.name] = self._value(field.types, value, top=True)
            except _Malformed as error:
                if _holds_json(field.types):
                    raise BadRequest(f"can't parse {field.name.replace('_', ' ')} JSON object: {error}") from None
                raise BadRequest(f'parameter "{field.name}" {error}') from None
        for field in fields.values():
            if field.name in typed:
                _enforce(name, field, typed[field.name], typed)
        return typed

    def _value(self, kinds: tuple[str, ...], value: Any, *, top: bool) -> Any:
        """`value` as the first of `kinds` it can be; objects are told apart by their fields."""
        if not isinstance(value, (str, int, float, list, dict)):  # an uploaded file
            if "InputFile" in kinds:
                return value
            raise _Malformed("must not be a file")
        if top and isinstance(value, str) and value.lstrip()[:1] in ("{", "[") and _holds_json(kinds):
            try:
                value = json.loads(value)
            except ValueError:
                raise _Malformed("not JSON") from None
        objects = [concrete for kind in kinds if kind in self._types for concrete in self._concrete(kind)]
        if isinstance(value, dict) and objects:
            return self._object(self._pick(objects, value), value)
        first: _Malformed | None = None
        for kind in kinds:
            try:
                return self._one(kind, value, top)
            except _Malformed as error:
                first = first or error
        raise first or _Malformed(f"must be {' or '.join(kinds)}")

    def _one(self, kind: str, value: Any, top: bool) -> Any:
        if kind.startswith("Array of "):
            if not isinstance(value, list):
                raise _Malformed(f"must be an {kind}")
            return [self._value((kind.removeprefix("Array of "),), item, top=False) for item in value]
        if kind in PRIMITIVES:
            return PRIMITIVES[kind](value, top)
        if kind in BARE_STRING_TYPES and isinstance(value, str):
            return value
        raise _Malformed(f"must be a {kind}")

    def _concrete(self, kind: str) -> list[str]:
        """A type, or the types an abstract one stands for (BotCommandScope: BotCommandScopeDefault, ...)."""
        subtypes = self._types[kind].get("subtypes")
        if not subtypes:
            return [kind] if kind != "InputFile" else []
        return [concrete for subtype in subtypes for concrete in self._concrete(subtype)]

    def _pick(self, kinds: list[str], value: dict[str, Any]) -> str:
        """The object type `value` is: by its "must be X" type field, else by having every required field."""
        for kind in kinds:
            fields = self._fields(kind)
            tags = {n: m[1] for n, f in fields.items() if (m := DISCRIMINATOR.search(f.description)) and f.required}
            if tags and all(value.get(n) == tag for n, tag in tags.items()):
                return kind
            if not tags and all(name in value for name, field in fields.items() if field.required):
                return kind
        if len(kinds) == 1:
            return kinds[0]  # reported as its missing field
        raise _Malformed(f"an object that is none of {', '.join(kinds)}")

    def _object(self, kind: str, value: dict[str, Any]) -> dict[str, Any]:
        fields = self._fields(kind)
        unknown = sorted(set(value) - set(fields))
        if unknown:
            raise _Malformed(f'unknown field "{unknown[0]}" in {kind}')
        typed: dict[str, Any] = {}
        for field in fields.values():
            item = value.get(field.name)
            if item is None:
                if field.required:
                    raise _Malformed(f'Can\'t find field "{field.name}" in {kind}')
                continue
            try:
                typed[field.name] = self._value(field.types, item, top=False)
            except _Malformed as error:
                if not str(error).startswith("must"):
                    raise  # already says where, deeper down
                raise _Malformed(f'Field "{field.name}" of {kind} {error}') from None
        for field in fields.values():
            if field.name in typed:
                _enforce(kind, field, typed[field.name], typed)
        return typed

    def _fields(self, kind: str) -> dict[str, Field]:
        if kind not in self._type_fields:
            self._type_fields[kind] = _fields(self._types[kind])
        return self._type_fields[kind]


def _fields(described: dict[str, Any]) -> dict[str, Field]:
    return {raw["name"]: Field.of(raw) for raw in described.get("fields", [])}
