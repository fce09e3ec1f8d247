"""/report in a coordinator's chat: the month's figures as an Excel file, made by the job runner."""

from __future__ import annotations

import io

from openpyxl import load_workbook

from tests.support.personas import COORDINATOR, a_booked_meeting
from tests.support.world import World


async def test_a_coordinator_asks_for_november_s_report_and_gets_a_workbook(world: World) -> None:
    await a_booked_meeting(world)
    coordinator = world.phone(COORDINATOR)
    await coordinator.send("/report 2026-11")
    assert coordinator.last.text == "Preparing the report for November 2026. It will come here when it is ready."
    assert coordinator.last.document is None, "made by the job runner, not while the update holds the database"
    await world.run_jobs(world.now)
    assert coordinator.last.text == "Connector Program: the report for November 2026"
    workbook = load_workbook(io.BytesIO(coordinator.last.document or b""))
    assert workbook.sheetnames == ["report", "about"]
    sheet = workbook["report"]
    header = [cell.value for cell in sheet[1]]
    rows = [dict(zip(header, values, strict=True)) for values in sheet.iter_rows(min_row=2, values_only=True)]
    total = next(row for row in rows if row["breakdown"] == "total")
    assert (total["connectees_registered"], total["connectors_registered"], total["proposed"]) == (1, 1, 1)
    sector = next(row for row in rows if row["breakdown"] == "sector" and row["group"] == "it")
    assert (sector["breakdown_label"], sector["group_label"]) == ("Sector", "Information technology")
    assert (sheet.freeze_panes, sheet.auto_filter.ref) == ("A2", f"A1:P{len(rows) + 1}")
    about = {row[0]: row[1] for row in workbook["about"].iter_rows(min_row=2, values_only=True)}
    assert about["met_no_show"] == "meetings starting in the month where someone did not come"


async def test_report_alone_is_last_month_s_and_a_wrong_month_is_explained(world: World) -> None:
    coordinator = world.phone(COORDINATOR)
    await coordinator.send("/report")
    assert coordinator.last.text == "Preparing the report for October 2026. It will come here when it is ready."
    await coordinator.send("/report November")
    assert coordinator.last.text == (
        "Please send /report alone for last month, or with a month, for example: /report 2026-11"
    )
    for wrong in ("2026-13", "0000-01", "２０２６-11", "2026-11-01"):
        await coordinator.send(f"/report {wrong}")
        assert "for example: /report 2026-11" in coordinator.last.text, wrong
