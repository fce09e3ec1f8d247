"""The export as a coordinator opens it in Excel: local date-times, labels in their language, filters, widths,
an "about" sheet; and the CSV with local times. Read back with openpyxl and the csv module."""

from __future__ import annotations

import csv
import io
import zipfile
from datetime import UTC, datetime
from pathlib import Path
from zoneinfo import ZoneInfo

import openpyxl
import pytest
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from bot.catalogs import Catalogs
from bot.exporting import write_export
from handlers.core.program import load_program
from storage.export import Period, export_of, shape_for
from storage.export_about import about_sheet
from storage.export_cells import Times
from storage.export_labels import label_column
from tests.storage.test_export import AMAL_CREATED, EXPORTED, FORMULA, KEYS, MET, seed

TORONTO = ZoneInfo("America/Toronto")


async def exported(sessions: async_sessionmaker[AsyncSession], kind: str, out: Path, language: str) -> None:
    program, t = load_program(), Catalogs().translator(language)
    async with sessions() as session:
        source = await export_of(session, KEYS, Period(), EXPORTED, shape=shape_for(kind, program, t, KEYS))
        await write_export(kind, source, out, about_sheet(t, source))


def rows_of(sheet: openpyxl.worksheet.worksheet.Worksheet) -> list[dict[str, object]]:
    header = [cell.value for cell in sheet[1]]
    return [dict(zip(header, values, strict=True)) for values in sheet.iter_rows(min_row=2, values_only=True)]


async def test_a_french_coordinator_s_workbook_is_ready_for_excel(
    sessions: async_sessionmaker[AsyncSession], tmp_path: Path
) -> None:
    await seed(sessions)
    await exported(sessions, "xlsx", tmp_path / "export.xlsx", "fr")
    workbook = openpyxl.load_workbook(tmp_path / "export.xlsx")
    assert workbook.sheetnames == ["summary", "participants", "matches", "meetings", "follow_ups", "referrals", "about"]
    (amal, *_) = rows_of(workbook["participants"])
    local = AMAL_CREATED.astimezone(TORONTO).replace(tzinfo=None)
    assert amal["created_at (America/Toronto)"] == local, "a date-time cell, 08:00 in Toronto"
    assert isinstance(amal["created_at (America/Toronto)"], datetime)
    assert amal["answer_name"] == FORMULA, "a workbook's text cell is never run as a formula: no apostrophe"
    assert (amal["answer_languages"], amal["answer_languages_label"]) == ("ar; en", "Arabe; Anglais")
    held = rows_of(workbook["meetings"])[1]
    assert held["starts_at (America/Toronto)"] == MET.astimezone(TORONTO).replace(tzinfo=None)
    assert (held["mode"], held["mode_label"]) == ("video", "Appel vidéo")
    missed = rows_of(workbook["meetings"])[0]
    assert (missed["outcome"], missed["outcome_label"]) == ("no_show", "Quelqu’un n’est pas venu")
    work = next(row for row in rows_of(workbook["follow_ups"]) if row["kind"] == "work_30")
    assert (work["work"], work["work_label"]) == ("employed_in_field", "Je travaille dans mon domaine")
    assert list(rows_of(workbook["summary"])[0]) == [
        "measure",
        "count",
        "since (America/Toronto)",
        "until (America/Toronto)",
    ]
    for sheet in workbook.worksheets:
        assert sheet.freeze_panes == "A2", sheet.title
        assert sheet.auto_filter.ref and sheet.auto_filter.ref.startswith("A1:"), sheet.title
    widths = workbook["participants"].column_dimensions
    assert widths["H"].width >= len("created_at (America/Toronto)"), "the header fits, with its filter's button"
    about = rows_of(workbook["about"])
    assert list(about[0]) == ["Feuille", "Colonne", "Signification"]
    meaning = {(row["Feuille"], row["Colonne"]): row["Signification"] for row in about}
    assert meaning[("meetings", "outcome_label")] == "la colonne précédente, en mots, dans la langue de l’export"
    assert meaning[("participants", None)] == "une ligne par inscription, dans l’ordre des numéros"


async def test_the_csv_has_local_times_labels_and_its_formula_guard(
    sessions: async_sessionmaker[AsyncSession], tmp_path: Path
) -> None:
    await seed(sessions)
    await exported(sessions, "csv", tmp_path / "export.zip", "en")
    with zipfile.ZipFile(tmp_path / "export.zip") as archive:
        text = archive.read("participants.csv").decode("utf-8-sig")
    amal = next(csv.DictReader(io.StringIO(text)))
    assert amal["created_at"] == "2026-10-01T08:00:00-04:00"
    assert amal["answer_name"] == "'" + FORMULA, "CSV keeps its guard: a spreadsheet would run it"
    assert amal["answer_languages_label"] == "Arabic; English"


@pytest.mark.parametrize(
    ("codes", "labels"),
    [
        (["health", None, '{"other": "3"}'], ["Health care", None, "Other: 3"]),
        (["ar; en", "xx"], ["Arabic; English", "xx"]),
    ],
)
def test_codes_become_labels_and_a_typed_other_says_so(codes: list[str | None], labels: list[str | None]) -> None:
    known = {"health": "Health care", "ar": "Arabic", "en": "English"}
    assert label_column(codes, known, "Other: {text}") == labels


@pytest.mark.parametrize("zone", ["America/Toronto", "Asia/Kolkata", "UTC"])
def test_local_times_are_right_across_a_change_of_clocks_and_in_half_hour_zones(zone: str) -> None:
    stored = [f"2026-11-01 0{hour}:30:15.000000" for hour in range(4, 8)] + [None, "2026-03-08 07:05:09.000000"]
    moments = [None if text is None else datetime.fromisoformat(text).replace(tzinfo=UTC) for text in stored]
    local = [None if moment is None else moment.astimezone(ZoneInfo(zone)) for moment in moments]
    assert Times(zone).cells(True)(stored) == [None if m is None else m.isoformat("T", "seconds") for m in local]
    assert Times(zone, as_datetimes=True).cells(True)(stored) == [
        None if m is None else m.replace(tzinfo=None) for m in local
    ]
    assert Times(zone).cells(False)(moments) == Times(zone).cells(True)(stored), "PostgreSQL's aware times alike"


def test_toronto_s_clocks_going_back_give_two_one_thirties() -> None:
    stored = ["2026-11-01 05:30:00.000000", "2026-11-01 06:30:00.000000"]
    assert Times("America/Toronto").cells(True)(stored) == ["2026-11-01T01:30:00-04:00", "2026-11-01T01:30:00-05:00"]
