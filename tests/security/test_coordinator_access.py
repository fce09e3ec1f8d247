"""Coordinator access ends when it should (revoked, or the coordinator's own /delete), and every look
at the participants' records (/find, an export) leaves an audit row holding none of their data."""

from __future__ import annotations

from sqlalchemy import select

from storage.coordinators import invite
from storage.tables import CoordinatorAuditRow, CoordinatorInviteRow, CoordinatorRow, ParticipantRow
from tests.support.clock import NOW
from tests.support.personas import AMAL, COORDINATOR, PRIYA
from tests.support.world import Phone, World

UNKNOWN = "Sorry, I do not know that command. Send /help to see what I can do."
LEE = 700  # joins with an invitation code


async def a_coordinator_by_code(world: World, user_id: int = LEE, language: str = "en") -> Phone:
    async with world.app.sessions() as session, session.begin():
        code, _ = await invite(session, NOW)
    phone = world.phones.get(user_id) or world.phone(user_id, language)
    await phone.send("/start")
    await phone.send(f"/coordinator {code}")
    assert phone.last.text.startswith(
        ("Connector Program\nWelcome! You are now a coordinator", "Programme Connecteur\nBienvenue!")
    )
    return phone


async def coordinator_rows(world: World) -> list[tuple[str, int]]:
    async with world.app.sessions() as session:
        return [tuple(row) for row in (await session.execute(select(CoordinatorRow.channel, CoordinatorRow.user_id)))]


async def audit(world: World) -> list[tuple[str, int | None, str, str, int]]:
    async with world.app.sessions() as session:
        rows = (await session.execute(select(CoordinatorAuditRow).order_by(CoordinatorAuditRow.id))).scalars()
        return [(row.channel, row.user_id, row.action, row.detail, row.records) for row in rows]


async def test_a_revoked_coordinators_find_is_an_unknown_command_and_they_are_told_in_their_language(
    world: World,
) -> None:
    amal = world.phone(101)
    await world.register(amal, "connectee", AMAL)
    lee = await a_coordinator_by_code(world, language="fr")
    await lee.send("/find Amal")
    assert lee.last.text.startswith("#1 Amal"), "a coordinator finds her"

    assert await world.app.revoke_coordinator("telegram", LEE)  # frontdoor coordinators revoke 700
    await world.deliver()
    assert lee.last.text.startswith("Programme Connecteur\nVotre accès de coordination a pris fin")
    unknown = world.app.catalogs.translator("fr").gettext(UNKNOWN)
    for command in ("/find Amal", "/export csv", "/pending", "/stats"):
        await lee.send(command)
        assert lee.last.text == unknown, command
    assert await coordinator_rows(world) == []
    assert not await world.app.revoke_coordinator("telegram", LEE), "revoked already"


async def test_an_export_asked_for_before_the_revocation_is_not_sent(world: World) -> None:
    lee = await a_coordinator_by_code(world)
    await lee.send("/export json")
    assert await world.app.revoke_coordinator("telegram", LEE)
    await world.run_jobs(world.now)
    assert all(message.document is None for message in lee.screen)
    assert await audit(world) == [], "nothing left the program, so nothing is audited"


async def test_a_coordinator_who_deleted_themselves_cannot_export(world: World) -> None:
    lee = await a_coordinator_by_code(world)
    await lee.send("/delete")
    assert "This ends your coordinator access: /find" in lee.last.text
    assert lee.last.text.endswith("Erase your data?")
    await lee.click("Yes, erase my data")
    assert lee.last.text.startswith("Done: your coordinator access has ended")
    for command in ("/export", "/export csv", "/find Amal", "/pending"):
        await lee.send(command)
        assert lee.last.text == UNKNOWN, command
    await lee.press_forged("ex:json")
    assert lee.notices == ["This button has expired."]
    await world.run_jobs(world.now)
    assert all(message.document is None for message in lee.screen)
    assert await coordinator_rows(world) == []
    async with world.app.sessions() as session:
        used_by = (await session.execute(select(CoordinatorInviteRow.redeemed_by))).scalars().all()
    assert used_by == [None], "the code they used no longer names them"


async def test_a_registered_coordinator_who_deleted_their_registration_cannot_export(world: World) -> None:
    priya = world.phone(201)
    await world.register(priya, "connector", PRIYA)
    priya = await a_coordinator_by_code(world, user_id=201)
    await priya.send("/delete")
    await priya.click("Yes, erase my data")
    assert priya.last.text.startswith("Done: your personal data is erased.")
    await priya.send("/export csv")
    assert priya.last.text == UNKNOWN
    assert await coordinator_rows(world) == []


async def test_a_coordinator_erased_from_the_command_line_cannot_find_anyone(world: World) -> None:
    priya = world.phone(201)
    await world.register(priya, "connector", PRIYA)
    priya = await a_coordinator_by_code(world, user_id=201)
    async with world.app.sessions() as session:
        priya_id = (await session.execute(select(ParticipantRow.id))).scalar_one()
    assert await world.app.erase("telegram", priya_id)  # frontdoor erase --participant 1
    await priya.send("/find Priya")
    assert priya.last.text == UNKNOWN
    assert await coordinator_rows(world) == []


async def test_a_coordinator_from_the_settings_keeps_access_and_cannot_be_revoked_in_the_store(world: World) -> None:
    coordinator = world.phone(COORDINATOR)
    await coordinator.send("/start")
    assert not await world.app.revoke_coordinator("telegram", COORDINATOR)
    await coordinator.send("/pending")
    assert coordinator.last.text == "No applications are waiting for review."


async def test_every_find_and_export_leaves_an_audit_row_without_any_participants_data(world: World) -> None:
    amal = world.phone(101)
    await world.register(amal, "connectee", AMAL)
    lee = await a_coordinator_by_code(world)
    coordinator = world.phone(COORDINATOR)
    await lee.send("/find Amal Haddad")
    await lee.send("/find amal@example.com")
    await coordinator.send("/find #1")
    await coordinator.send("/find nobody-like-this")
    await lee.send("/find")  # only the usage line: nothing was searched
    await coordinator.send("/export json")
    await lee.send("/export")
    await lee.click("CSV (zip)")
    await world.run_jobs(world.now)
    assert lee.last.document is not None and coordinator.last.document is not None

    assert await audit(world) == [
        ("telegram", LEE, "find", "words", 1),
        ("telegram", LEE, "find", "words", 1),
        ("telegram", COORDINATOR, "find", "number", 1),
        ("telegram", COORDINATOR, "find", "words", 0),
        ("telegram", COORDINATOR, "export", "json", 1),
        ("telegram", LEE, "export", "csv", 1),
    ]
    async with world.app.sessions() as session:
        rows = (await session.execute(select(CoordinatorAuditRow))).scalars().all()
    stored = " ".join(str(getattr(row, column.key)) for row in rows for column in CoordinatorAuditRow.__table__.columns)
    for personal in ("Amal", "Haddad", "amal@example.com", "Software", "101", "nobody-like-this"):
        assert personal not in stored, personal
