"""A program's own wording, translated in the program file itself: shown at once in the languages it
gives, reported (at start and by `frontdoor program check`) in those it does not."""

from __future__ import annotations

import logging
import subprocess
import sys
from pathlib import Path

import pytest

from bot.catalogs import LOCALES, Catalogs
from bot.program_check import gaps, warn_of_gaps
from handlers.core.program import DEFAULT_PROGRAM_FILE, ProgramError, load_program
from tests.support.chat import ChatClient
from tests.support.driver import plain

ASKED = 'question = "Which describes your situation best?"'
OWN = (
    'question = { en = "What brings you to Canada?", fr = "Qu\'est-ce qui vous amène au Canada ?", '
    'es = "¿Qué le trae a Canadá?" }'
)


def own_program(tmp_path: Path, replacement: str = OWN) -> Path:
    text = DEFAULT_PROGRAM_FILE.read_text(encoding="utf-8")
    assert ASKED in text
    path = tmp_path / "program.toml"
    path.write_text(text.replace(ASKED, replacement), encoding="utf-8")
    return path


async def reach_situation(chat: ChatClient, language_label: str) -> str:
    await chat.send("/start")
    await chat.click(language_label)
    await chat.click(chat.text("I am new to the region"))
    await chat.click(chat.text("I agree", "consent"))
    await chat.send("Amal")
    await chat.click("Kitchener")
    return chat.last.text


async def test_a_french_newcomer_reads_the_programs_own_french_and_an_arabic_one_its_english(tmp_path: Path) -> None:
    program = load_program(own_program(tmp_path))
    catalogs = Catalogs(LOCALES, own=program.own_texts)
    french = ChatClient(language_code="fr", program=program, catalogs=catalogs)
    assert "Qu'est-ce qui vous amène au Canada ?" in await reach_situation(french, "Français")
    arabic = ChatClient(language_code="ar", program=program, catalogs=catalogs)
    assert "What brings you to Canada?" in plain(await reach_situation(arabic, "العربية"))
    english = ChatClient(program=program, catalogs=catalogs)
    assert "What brings you to Canada?" in await reach_situation(english, "English")


def test_the_gaps_are_every_offered_language_without_the_text(tmp_path: Path, caplog: pytest.LogCaptureFixture) -> None:
    program = load_program(own_program(tmp_path))
    catalogs = Catalogs(LOCALES, own=program.own_texts)
    found = gaps(program, catalogs)
    assert sorted(found) == ["ar", "fa", "pa", "tl", "uk", "ur", "zh-Hans"], "fr and es are given beside the text"
    assert found["ar"] == ["form 'connectee', question 'situation': question"]
    with caplog.at_level(logging.WARNING, logger="frontdoor"):
        warn_of_gaps(program, catalogs)
    [warning] = caplog.records
    assert "ar: form 'connectee', question 'situation': question" in warning.getMessage()
    assert "fr:" not in warning.getMessage()


def test_the_default_program_has_no_gap() -> None:
    assert gaps(load_program(), Catalogs(LOCALES)) == {}


def test_program_check_lists_every_gap_and_fails(tmp_path: Path) -> None:
    checked = subprocess.run(
        [Path(sys.executable).with_name("frontdoor"), "program", "check", own_program(tmp_path)],
        capture_output=True,
        text=True,
        cwd=tmp_path,
    )
    assert checked.returncode == 1
    assert "zh-Hans: form 'connectee', question 'situation': question" in checked.stdout.splitlines()
    assert "Traceback" not in checked.stderr


def test_program_check_names_the_whatsapp_templates_a_language_lacks(tmp_path: Path) -> None:
    text = DEFAULT_PROGRAM_FILE.read_text(encoding="utf-8")
    named = '[whatsapp.templates]\nfr = { proposal = "p", reminder = "r", follow_up = "f", nudge = "n", update = "u" }\nen = { reminder = "r" }\n'
    path = tmp_path / "program.toml"
    path.write_text(text.replace("[whatsapp.templates]\n", named), encoding="utf-8")
    checked = subprocess.run(
        [Path(sys.executable).with_name("frontdoor"), "program", "check", path],
        capture_output=True,
        text=True,
        cwd=tmp_path,
    )
    assert checked.returncode == 1
    lines = checked.stdout.splitlines()
    assert (
        "en: [whatsapp.templates] names no template for proposal, follow_up, nudge, update: those wait past the 24-hour window"
        in lines
    )
    assert (
        "es: [whatsapp.templates] names no template for proposal, reminder, follow_up, nudge, update: those wait past the 24-hour window"
        in lines
    )
    assert not [line for line in lines if line.startswith("fr:")]


def test_a_table_of_translations_without_english_is_refused_in_one_line(tmp_path: Path) -> None:
    with pytest.raises(
        ProgramError, match=r"question 'situation': question: a table of translations needs the English"
    ):
        load_program(own_program(tmp_path, 'question = { fr = "Votre situation ?" }'))
