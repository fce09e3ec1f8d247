"""The program's name reads naturally in every language: it stands alone at the head of the welcome,
in the reader's language when the program file gives it, never inside a sentence that would need an
article, a gender or a case for it ("Welcome to Connector Program!")."""

from __future__ import annotations

from pathlib import Path

from bot.catalogs import LOCALES, Catalogs
from bot.program_check import gaps
from handlers.core.bidi import FSI, PDI
from handlers.core.program import DEFAULT_PROGRAM_FILE, load_program
from tests.support.chat import ChatClient

NAMED = 'name = { en = "Connector Program", fr = "Programme Connecteur", es = "Programa Conector", '


def program_named(tmp_path: Path, name: str) -> Path:
    """The default program under another `name = …` line."""
    lines = DEFAULT_PROGRAM_FILE.read_text(encoding="utf-8").splitlines(keepends=True)
    [index] = [number for number, line in enumerate(lines) if line.startswith(NAMED)]
    lines[index] = name + "\n"
    path = tmp_path / "program.toml"
    path.write_text("".join(lines), encoding="utf-8")
    return path


async def welcome(language_code: str, path: Path | None = None) -> list[str]:
    program = load_program(path)
    chat = ChatClient(language_code=language_code, program=program, catalogs=Catalogs(LOCALES, own=program.own_texts))
    await chat.send("/start")
    return chat.last.text.split("\n")


async def test_an_english_phone_reads_the_name_as_a_heading_then_welcome() -> None:
    name, greeting, *_ = await welcome("en-CA")
    assert name == "Connector Program"
    assert greeting == (
        "Welcome! I help newcomers meet local professionals for a 30-minute conversation about work in their field."
    )


async def test_a_french_phone_reads_the_programs_french_name_then_bienvenue() -> None:
    name, greeting, *_ = await welcome("fr-CA")
    assert name == "Programme Connecteur"
    assert greeting.startswith("Bienvenue! J'aide les nouveaux arrivants à rencontrer des professionnels d'ici")


async def test_an_arabic_phone_reads_the_programs_arabic_name_isolated_on_its_own_line() -> None:
    name, greeting, *_ = await welcome("ar")
    assert name == f"{FSI}برنامج التواصل المهني{PDI}"
    assert greeting.startswith("أهلًا بك! أساعد القادمين الجدد على لقاء مهنيين محليين")


async def test_a_name_written_once_is_the_same_in_every_language_and_no_gap(tmp_path: Path) -> None:
    path = program_named(tmp_path, 'name = "Kitchener Connects"')
    assert (await welcome("fr-CA", path))[0] == "Kitchener Connects"
    assert (await welcome("ar", path))[0] == f"{FSI}Kitchener Connects{PDI}"
    assert gaps(load_program(path), Catalogs(LOCALES)) == {}, "a proper name needs no translation"


async def test_a_table_of_names_without_a_language_shows_english_there_and_is_a_gap(tmp_path: Path) -> None:
    path = program_named(tmp_path, 'name = { en = "Kitchener Connects", fr = "Kitchener branché" }')
    assert (await welcome("fr-CA", path))[0] == "Kitchener branché"
    assert (await welcome("es", path))[0] == "Kitchener Connects"
    found = gaps(load_program(path), Catalogs(LOCALES))
    assert found["es"] == ["[program] name"] and "fr" not in found
