"""What a hostile or careless person types is refused kindly or made harmless, on a real database."""

from __future__ import annotations

import csv
import io
import zipfile
from datetime import UTC, datetime

from openpyxl import load_workbook
from sqlalchemy import select

from handlers.core.program import Kind, question_keys
from storage.export import Period, export_of
from storage.export_formats import FORMULA_STARTS, write_csv, write_xlsx
from storage.tables import AnswerRow
from tests.support.clock import NOW
from tests.support.personas import AMAL, INTRODUCTION, PRIYA, approve_all
from tests.support.world import Phone, World

FORMULAS = ('=HYPERLINK("http://evil.example","x")', "+1+cmd|'/c calc'!A0", "-2+3", "@SUM(1+1)")


async def at_the_name_question(world: World) -> Phone:
    amal = world.phone(101)
    await world.welcome(amal, "connectee")
    return amal


async def stored_answers(world: World) -> dict[str, object]:
    async with world.app.sessions() as session:
        return {key: value for key, value in await session.execute(select(AnswerRow.question_key, AnswerRow.value))}


async def test_a_name_of_100000_characters(world: World) -> None:
    amal = await at_the_name_question(world)
    await amal.send("A" * 100_000)
    assert amal.screen[-2].text == "That is a bit long: please keep it under 80 characters (you sent 100000)."
    assert amal.last.text.endswith("What name would you like us to call you?")
    assert all(len(message.text) <= 4096 for message in amal.screen)
    assert await stored_answers(world) == {}
    await amal.send("Amal Haddad")
    assert await stored_answers(world) == {"name": "Amal Haddad"}, "the next, sensible answer is taken"


async def test_control_and_bidi_override_characters_in_a_name(world: World) -> None:
    amal = await at_the_name_question(world)
    await amal.send("\u202e\u2066\x00 \t")  # nothing left once cleaned: asked again, nothing stored
    assert amal.screen[-2].text == "Please type your answer."
    assert await stored_answers(world) == {}
    await amal.send("\u202eAmal\x00\x07 \u2066Haddad\u2069\u200f\r\n")
    assert await stored_answers(world) == {"name": "Amal Haddad"}


def with_formulas(role: str, world: World, answers: dict[str, object]) -> dict[str, object]:
    """`answers` with a formula in every typed text question of the form."""
    form = world.app.program.forms[role]
    typed = [question.key for question in form.questions if question.kind is Kind.TEXT]
    return answers | {key: FORMULAS[index % len(FORMULAS)] for index, key in enumerate(typed)}


async def test_a_formula_in_every_exported_text_field(world: World) -> None:
    priya, amal = world.phone(201), world.phone(101)
    await world.register(priya, "connector", with_formulas("connector", world, PRIYA))
    await world.register(amal, "connectee", with_formulas("connectee", world, AMAL))
    await approve_all(world)
    await priya.click(priya.showing(INTRODUCTION).labels()[0])
    await amal.click("Yes, that works")
    await world.run_jobs(datetime(2026, 11, 27, tzinfo=UTC))
    await amal.click("Yes, we met")
    await amal.click("5")
    await amal.click("Add a contact")
    for formula in FORMULAS[:3]:  # name, role, organization
        await amal.send(formula)
    await amal.click("That's all")
    await amal.send(FORMULAS[3])  # the next step

    async with world.app.sessions() as session:
        source = await export_of(session, question_keys(world.app.program), Period(None, None), NOW)
        archive = io.BytesIO()
        await write_csv(source, archive)
    texts = []
    with zipfile.ZipFile(archive) as files:
        for name in files.namelist():
            texts += [cell for row in csv.reader(io.StringIO(files.read(name).decode("utf-8-sig"))) for cell in row]
    for formula in FORMULAS:
        assert "'" + formula in texts, f"{formula!r} was exported to CSV, escaped"
    dangerous = [cell for cell in texts if cell[:1] in FORMULA_STARTS]
    assert dangerous == [], "no CSV cell a spreadsheet would run"

    # In the workbook a text cell is a string, which a spreadsheet shows and never runs: the words
    # stay exactly as typed (no apostrophe), and no cell is a formula.
    async with world.app.sessions() as session:
        source = await export_of(session, question_keys(world.app.program), Period(None, None), NOW)
        book = io.BytesIO()
        await write_xlsx(source, book)
    workbook = load_workbook(io.BytesIO(book.getvalue()), read_only=True)
    cells = [cell for sheet in workbook for row in sheet.iter_rows() for cell in row]
    strings = [cell.value for cell in cells if cell.data_type == "s"]
    for formula in FORMULAS:
        assert formula in strings, f"{formula!r} was exported to XLSX as a string cell"
    assert [cell.value for cell in cells if cell.data_type == "f"] == [], "no XLSX cell is a formula"


async def test_contact_details_before_both_confirmed(world: World) -> None:
    priya, amal = world.phone(201), world.phone(101)
    await world.register(priya, "connector", PRIYA)
    await world.register(amal, "connectee", AMAL)
    await approve_all(world)
    await priya.click(priya.showing(INTRODUCTION).labels()[0])
    assert not any("amal@example.com" in text for text in priya.texts()), "Priya has only Amal's first name"
    assert not any("priya@example.com" in text or "555-0111" in text for text in amal.texts())
    await amal.click("Yes, that works")
    assert any("amal@example.com" in text for text in priya.texts())
    assert any("priya@example.com" in text and "555-0111" in text for text in amal.texts())
