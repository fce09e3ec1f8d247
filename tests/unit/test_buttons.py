"""Button data as typed values: every kind packs and unpacks itself, strictly, and one table routes each.

Anyone can send a bot any callback data: a field that is not plain ASCII digits in range, a field
too many or too few, another kind's code, all unpack to nothing (the "expired" toast), never to a
record nobody was shown.
"""

from __future__ import annotations

import dataclasses
from typing import Any

from hypothesis import given
from hypothesis import strategies as st

from bot.channels import telegram_capabilities
from handlers import front_desk
from handlers.core.buttons import ButtonData, Name, read
from handlers.core.ids import DATABASE_IDS
from handlers.intake import conversation
from handlers.intake.buttons import Answer, ChooseLanguage, Resume, Submit, Tick
from handlers.matching.buttons import PickSlot
from handlers.privacy.buttons import EraseMyData, KeepMyData

EVERY_ROUTE = (*front_desk.DESK_ROUTES, *conversation.ROUTES)
EVERY_KIND = [route.button for route in EVERY_ROUTE]


def test_every_kind_of_button_is_routed_once_and_no_two_share_a_code() -> None:
    assert len(EVERY_KIND) == len(set(EVERY_KIND))
    codes = [kind.code for kind in EVERY_KIND]
    assert len(codes) == len(set(codes)), codes


def test_the_wire_format_is_the_one_buttons_already_sent_carry() -> None:
    """A message keeps its buttons for weeks: a button sent before this code still means the same."""
    assert PickSlot(proposal_id=12, turn=3, index=0).pack() == "pk:12:3:0"
    assert Tick("languages", "fr", on=True).pack() == "t:languages:fr:1"
    assert Resume(carry_on=False).pack() == "resume:over"
    assert EraseMyData(0).pack() == "del:yes:0" and KeepMyData().pack() == "del:no"
    assert Submit().pack() == "submit" and ChooseLanguage("zh-Hans").pack() == "lang:zh-Hans"
    assert read("a:sector:health", EVERY_ROUTE) == Answer("sector", "health")


def _values(kind: type[ButtonData]) -> st.SearchStrategy[Any]:
    """Any button of this kind, with fields at the edges of what the wire allows."""
    hints = {field.name: field for field in dataclasses.fields(kind)}  # type: ignore[arg-type]
    resolved = kind.__init__.__annotations__
    strategies: dict[str, st.SearchStrategy[Any]] = {}
    for name in hints:
        rule = resolved[name]
        if "bool" in str(rule) or rule in ("YesNo", "Ticked"):
            strategies[name] = st.booleans()
        elif rule == "Name":
            strategies[name] = st.from_regex(r"\A[a-z0-9][a-z0-9_.-]{0,23}\Z")
        elif rule == "Index":
            strategies[name] = st.integers(0, 99)
        else:  # Id, or the erasure's 0-or-id
            strategies[name] = st.integers(1, DATABASE_IDS[-1])
    return st.builds(kind, **strategies)


@given(st.sampled_from(EVERY_KIND).flatmap(_values))
def test_every_button_reads_back_as_itself_and_fits_a_telegram_button(button: ButtonData) -> None:
    data = button.pack()
    assert read(data, EVERY_ROUTE) == button
    assert len(data.encode("ascii")) <= telegram_capabilities.capabilities(bot_username=None).most_button_data_bytes


@given(st.sampled_from(EVERY_KIND).flatmap(_values), st.sampled_from([":", ":1", "٣", "²", "３", " ", ":+1", "\x00"]))
def test_a_button_with_a_field_or_a_character_added_is_no_button(button: ButtonData, added: str) -> None:
    assert read(button.pack() + added, EVERY_ROUTE) is None


def test_fields_are_read_strictly() -> None:
    assert PickSlot.unpack("pk:12:3") is None, "a field too few"
    assert PickSlot.unpack("pk:12:3:0:0") is None, "a field too many"
    for forged in (
        "pk:١٢:3:0",
        "pk:１２:3:0",
        "pk:12²:3:0",
        "pk:-1:3:0",
        "pk:0:3:0",
        "pk:2147483648:3:0",
        "pk:+12:3:0",
    ):
        assert PickSlot.unpack(forged) is None, forged
    assert PickSlot.unpack("pk:12:3:100") is None, "an index past any list shown"
    assert Tick.unpack("t:languages:fr:2") is None and Resume.unpack("resume:yes") is None
    assert Answer.unpack("a:sector:health care") is None and Answer.unpack("a:sector:ΑΒΓ") is None
    assert EraseMyData.unpack("del:yes:") is None and KeepMyData.unpack("del:no:1") is None
    assert Submit.unpack("submit:") is None and Submit.unpack("submitted") is None
    assert read("pick:1", EVERY_ROUTE) is None and read("", EVERY_ROUTE) is None


def test_a_name_never_holds_the_separator() -> None:
    assert Name.__metadata__[0].fullmatch("a:b") is None  # type: ignore[attr-defined]
