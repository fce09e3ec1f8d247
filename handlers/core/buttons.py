"""Button data as typed values, and the tables that route a pressed button to its flow.

Each kind of button is a small frozen dataclass with a `code`: `PickSlot(proposal_id=12, turn=3,
index=0)` packs to "pk:12:3:0" and "pk:12:3:0" unpacks to it again, in the spirit of aiogram's
CallbackData but with no framework. Anyone can send a bot any callback data, so unpacking is strict
and total: the code, then exactly the declared fields, each read by its type (ids as ASCII digits in
the database's range, handlers.core.ids; names by one pattern; a yes/no by its two spellings).
Anything else unpacks to None, which the front desk answers with "This button has expired".

The wire format is the one buttons already sent carry (a message keeps its buttons for weeks), so a
new field or kind is a new code, never a changed one.
"""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Awaitable, Callable, Sequence
from dataclasses import dataclass, fields
from typing import Annotated, Any, ClassVar, Final, Generic, Self, TypeVar, get_args, get_origin, get_type_hints

from handlers.core.events import Button
from handlers.core.ids import DATABASE_IDS, number
from handlers.core.model import Participant
from handlers.core.ports import Context, Office
from handlers.core.translator import N_, Translator

NAME: Final = re.compile(r"[A-Za-z0-9][A-Za-z0-9_.-]{0,23}")
"""A question's key or option's value, a language code, a follow-up step or answer, an export's format:
the program file's patterns (handlers.core.questions), which leave ":" out so fields stay apart."""


@dataclass(frozen=True)
class Spelled:
    """How a yes/no field is written: its false and its true spelling."""

    no: str
    yes: str


Id = Annotated[int, DATABASE_IDS]
"""A record's id or a proposal's turn."""
Index = Annotated[int, range(100)]
"""A position in a short list the button was shown with (a held slot, a time zone); the flow checks
it against the list as it is now."""
Name = Annotated[str, NAME]
YesNo = Annotated[bool, Spelled("no", "yes")]
Ticked = Annotated[bool, Spelled("0", "1")]

_Field = Callable[[str], Any]  # reads one field: its value, or None when the text cannot be one


def _reader(kind: Any) -> tuple[_Field, Callable[[Any], str]]:
    """How a field of this annotated type is read from and written to the wire."""
    if get_origin(kind) is not Annotated:
        raise TypeError(f"a button field needs a wire type (Id, Index, Name, YesNo, Ticked), not {kind!r}")
    base, rule = get_args(kind)[:2]
    if base is int and isinstance(rule, range):
        return (lambda text: number(text, rule)), str
    if base is str and isinstance(rule, re.Pattern):
        return (lambda text: text if rule.fullmatch(text) else None), str
    if base is bool and isinstance(rule, Spelled):
        spellings = {rule.no: False, rule.yes: True}
        return spellings.get, lambda value: rule.yes if value else rule.no
    raise TypeError(f"no wire rule for {kind!r}")


class ButtonData:
    """The base of every kind of button: subclass it as a frozen dataclass with `code="…"`."""

    code: ClassVar[str]

    def __init_subclass__(cls, *, code: str, **kwargs: Any) -> None:
        super().__init_subclass__(**kwargs)
        cls.code = code

    def pack(self) -> str:
        """The callback data this button carries: its code, then its fields, colon-separated."""
        values = [write(getattr(self, name)) for name, (_, write) in _wire(type(self))]
        return ":".join([self.code, *values])

    @classmethod
    def unpack(cls, data: str) -> Self | None:
        """This kind of button, if `data` is exactly one; None for anything else."""
        wire = _wire(cls)
        if not wire:
            return cls() if data == cls.code else None
        prefix = cls.code + ":"
        parts = data[len(prefix) :].split(":") if data.startswith(prefix) else []
        if len(parts) != len(wire):
            return None
        values = {name: read(part) for (name, (read, _)), part in zip(wire, parts, strict=True)}
        return None if any(value is None for value in values.values()) else cls(**values)


_Wire = tuple[tuple[str, tuple[_Field, Callable[[Any], str]]], ...]
_WIRES: dict[type[ButtonData], _Wire] = {}


def _wire(kind: type[ButtonData]) -> _Wire:
    """The fields of a kind of button in order, each with its reader and writer (worked out once)."""
    wire = _WIRES.get(kind)
    if wire is None:
        hints = get_type_hints(kind, include_extras=True)
        wire = _WIRES[kind] = tuple((f.name, _reader(hints[f.name])) for f in fields(kind))  # type: ignore[arg-type]
    return wire


@dataclass(frozen=True)
class Pressed:
    """Who pressed a button, the language to answer in, and their conversation."""

    user_id: int
    t: Translator
    ctx: Context


@dataclass(frozen=True)
class PressedInProgram(Pressed):
    """A button of the program's flows (proposals, meetings, follow-ups, coordinators, erasure), which
    also act on others: the office."""

    office: Office

    def by(self, person: Participant) -> bool:
        """Whether `person` pressed it: the registration of the chat it was pressed in. Not their
        account's id: a person whose two apps are linked (handlers.intake.linking) presses from either."""
        return self.ctx.conversation.participant_id == person.id


B = TypeVar("B", bound=ButtonData)
E = TypeVar("E")
R = TypeVar("R")
E_contra = TypeVar("E_contra", contravariant=True)
R_co = TypeVar("R_co", covariant=True)


@dataclass(frozen=True)
class Route(Generic[E_contra, R_co]):
    """A kind of button and the flow that answers it, given what that flow needs (`E_contra`)."""

    button: type[ButtonData]
    answer: Callable[[Any, E_contra], Awaitable[R_co | None]]


def route(button: type[B], answer: Callable[[B, E], Awaitable[R | None]]) -> Route[E, R]:
    """One line of a flow's route table: this kind of button is answered by `answer`."""
    return Route(button, answer)


def read(data: str, routes: Sequence[Route[Any, Any]]) -> ButtonData | None:
    """The first kind in `routes` that `data` is exactly; None when it is none of them."""
    for line in routes:
        button = line.button.unpack(data)
        if button is not None:
            return button
    return None


async def answer(button: ButtonData, routes: Sequence[Route[E, R]], given: E) -> R | None:
    """The answer of the route for this kind of button; None when no route takes it, or the flow
    finds it stale, forged or not the presser's."""
    for line in routes:
        if type(button) is line.button:
            return await line.answer(button, given)
    return None


def fold(text: str) -> str:
    """Text as a typed answer is compared with a button's label: in any case, with accents or without,
    without emoji, punctuation or extra spaces ("✏️ Éducation" and "education" fold alike)."""
    kept = []
    for char in unicodedata.normalize("NFKD", text):
        category = unicodedata.category(char)
        if category == "Mn":  # accents, harakat: typed or not, the same word
            continue
        kept.append(char if category[0] in "LN" or category == "Mc" else " ")
    return " ".join("".join(kept).casefold().split())


def agreement(button: ButtonData) -> bool | None:
    """What a yes/no button says (its one YesNo field); None for a button of any other kind."""
    hints = get_type_hints(type(button), include_extras=True)
    said = [getattr(button, f.name) for f in fields(button) if hints[f.name] == YesNo]  # type: ignore[arg-type]
    return said[0] if len(said) == 1 else None


@dataclass(frozen=True)
class Words:
    """The words people type for yes and for no, folded (handlers.core.buttons.fold)."""

    yes: frozenset[str]
    no: frozenset[str]


# Each catalog translates these with the words its readers type, "/" between spellings; a word is
# taken in any of the program's languages (a French reader of the English bot types "oui").
YES: Final = N_("yes/y/ok")
NO: Final = N_("no/n")


def typed_words(ctx: Context) -> Words:
    """Yes and no as typed in any of the program's languages; a word that is both is neither."""
    catalogs = [ctx.translations(language) for language in ctx.program.languages]
    yes = {fold(w) for t in catalogs for w in t.gettext(YES).split("/")} | {fold(w) for w in YES.split("/")}
    no = {fold(w) for t in catalogs for w in t.gettext(NO).split("/")} | {fold(w) for w in NO.split("/")}
    return Words(yes=frozenset(yes - no - {""}), no=frozenset(no - yes - {""}))


WORD_START: Final = 4  # "refug" names "Personne réfugiée"; "re" or "ref" would name too much


def named(typed: str, labels: Sequence[str]) -> int | None:
    """The index of the one label a typed answer names, both folded (handlers.core.buttons.fold); None
    when it names none or several.

    The whole label; else its number in reading order, in any script's digits ("2", "٢"); else one of
    its words, or its words from a word's start for at least WORD_START letters, that no other label
    has ("met" names "Yes, we met"; "refugie" names "Personne réfugiée"; "I am new" names "I am new to
    the region"; "we" names neither of "Yes, we met" and "We rescheduled").
    """
    for matches in (
        [i for i, label in enumerate(labels) if label == typed],
        [int(typed) - 1] if typed.isdecimal() and 1 <= int(typed) <= len(labels) else [],
        [i for i, label in enumerate(labels) if typed in label.split()],
        [i for i, label in enumerate(labels) if _starts_a_word(typed, label)],
    ):
        if len(matches) == 1:
            return matches[0]
        if matches:
            return None
    return None


def near(typed: str, labels: Sequence[str]) -> int | None:
    """The index of the one label, or word of a label, a typed answer misses by a letter or two (a
    letter added, dropped, changed or two swapped: "kitchner", "waterlo"), both folded; None when none
    or several are that near. Longer words may miss by two; a word of under WORD_START letters by none.
    """
    from jellyfish import damerau_levenshtein_distance  # on the first miss, not at start (handlers.intake.near_misses)

    def missed_by(label: str) -> int:
        return min(damerau_levenshtein_distance(typed, word) for word in (label, *label.split()))

    allowed = 0 if len(typed) < WORD_START else 1 if len(typed) < 8 else 2
    distances = [missed_by(label) for label in labels]
    nearest = [i for i, distance in enumerate(distances) if 0 < distance <= allowed]
    return nearest[0] if len(nearest) == 1 else None


def _starts_a_word(typed: str, label: str) -> bool:
    """Whether the label has the typed words, the last one perhaps unfinished ("i am new")."""
    return len(typed) >= WORD_START and f" {typed}" in f" {label}"


def typed_press(
    text: str, rows: Sequence[Sequence[Button]], routes: Sequence[Route[Any, Any]], words: Words
) -> str | None:
    """The data of the button a typed text names, as if pressed; None when it names none.

    A label (handlers.core.buttons.named), else yes or no where exactly one button on the message
    answers so (handlers.core.buttons.agreement).
    """
    typed = fold(text)
    shown = [button for row in rows for button in row]
    if not typed or not shown:
        return None
    index = named(typed, [fold(button.label) for button in shown])
    if index is not None:
        return shown[index].data
    if (typed in words.yes) == (typed in words.no):
        return None
    saying = typed in words.yes
    meant = [button for button in shown if (kind := read(button.data, routes)) and agreement(kind) is saying]
    return meant[0].data if len(meant) == 1 else None
