"""A person sees everything stored about them, erases it, and nothing personal is left anywhere."""

from __future__ import annotations

import io
import json
import zipfile
from datetime import timedelta

from sqlalchemy import select

from handlers.core.model import Erasure, Status
from handlers.core.program import question_keys
from storage.export import Period, export_of
from storage.export_formats import write_csv, write_json
from storage.tables import ConsentRow, ConversationRow, MeetingRow, OutboxRow, ParticipantRow, ProposalRow
from storage.unit_of_work import UnitOfWork
from tests.support.clock import NOW
from tests.support.personas import AMAL, COORDINATOR, PRIYA, a_booked_meeting, approve_all
from tests.support.world import World

# What Amal told us that identifies her; none of it may survive her /delete.
AMAL_PERSONAL = ("Amal", "Haddad", "amal@example.com", "Software developer")


async def everything_exported(world: World) -> str:
    """The whole export, as JSON text and as the CSV files' text."""
    async with world.app.sessions() as session, session.begin():
        source = await export_of(session, question_keys(world.app.program), Period(None, None), world.now)
        text = io.StringIO()
        await write_json(source, text)
    async with world.app.sessions() as session, session.begin():
        source = await export_of(session, question_keys(world.app.program), Period(None, None), world.now)
        archive = io.BytesIO()
        await write_csv(source, archive)
    with zipfile.ZipFile(archive) as files:
        csv_text = "".join(files.read(name).decode("utf-8-sig") for name in files.namelist())
    return text.getvalue() + csv_text


async def test_mydata_sends_a_summary_and_every_record_as_json(world: World) -> None:
    priya, amal = await a_booked_meeting(world)
    await amal.send("/mydata")
    summary, document = amal.screen[-2], amal.screen[-1]
    assert summary.text.startswith("Here is everything we store about you.\nYou registered as a newcomer on")
    assert "You agreed to our privacy terms (version 2026-12) on November 23, 2026." in summary.text
    assert "Name: Amal Haddad" in summary.text and "E-mail: amal@example.com" in summary.text
    assert "Meetings: 1" in summary.text and "Meeting proposals: 1" in summary.text
    assert document.text == "Connector Program: everything stored about you"
    assert document.document is not None
    records = json.loads(document.document)
    assert records["account"] == {"channel": "telegram", "user_id": 101}
    assert records["answers"]["name"] == "Amal Haddad"
    assert records["registration"]["consent_version"] == "2026-12"
    assert records["consents"][0]["language"] == "en"
    assert "Your rights: send /mydata" in records["consents"][0]["text"]
    assert records["meetings"][0]["starts_at"].startswith("2026-11-26T14:00")
    assert records["meetings"][0]["connector_id"] == records["proposals"][0]["connector_id"]
    assert "Priya" not in document.document.decode(), "the other person's data is theirs, not Amal's"


async def test_someone_not_registered_is_told_only_the_chat_language_is_kept_and_delete_erases_it(
    world: World,
) -> None:
    visitor = world.phone(555, "fr")
    await visitor.send("/start")
    await visitor.send("/mydata")
    assert visitor.screen[-2].text.startswith("Vous n")  # in French, the language the chat uses
    records = json.loads(visitor.last.document or b"")
    assert records["conversation"]["language"] == "fr" and "registration" not in records
    await visitor.send("/delete")
    assert visitor.last.text.startswith("Vous n'avez pas d'inscription chez nous. Ce que nous gardions")
    async with world.app.sessions() as session:
        assert (await session.execute(select(ConversationRow))).all() == [], "the language goes too"


async def test_delete_asks_first_and_no_keeps_everything(world: World) -> None:
    amal = world.phone(101)
    await world.register(amal, "connectee", AMAL)
    await amal.send("/delete")
    assert amal.last.text.endswith("Erase your data?")
    assert amal.last.labels() == ["Yes, erase my data", "No, keep it"]
    await amal.click("No, keep it")
    assert amal.last.text == "Good, nothing is erased."
    async with world.app.sessions() as session:
        row = (await session.execute(select(ParticipantRow))).scalar_one()
    assert row.status == Status.SUBMITTED and row.user_id == 101


async def test_delete_cancels_the_meeting_tells_the_other_side_and_leaves_nothing_personal(world: World) -> None:
    priya, amal = await a_booked_meeting(world)
    exported_before = await everything_exported(world)
    assert all(value in exported_before for value in AMAL_PERSONAL)

    await amal.send("/delete")
    await amal.click("Yes, erase my data")
    assert amal.last.text == (
        "Done: your personal data is erased. Thank you for taking part in the program. "
        "If you would like to register again one day, send /start."
    )
    assert priya.last.text == (
        "Amal has left the program, so your meeting on Thu, Nov 26, 9:00\u202fAM is cancelled. We are sorry."
    )

    async with world.app.sessions() as session:
        amal_row = (
            await session.execute(select(ParticipantRow).where(ParticipantRow.role == "connectee"))
        ).scalar_one()
        meeting = (await session.execute(select(MeetingRow))).scalar_one()
        match = (await session.execute(select(ProposalRow))).scalar_one()
        chats = list((await session.execute(select(ConversationRow.user_id))).scalars())
        to_amal = list((await session.execute(select(OutboxRow).where(OutboxRow.chat_id == 101))).scalars())
        consents = list((await session.execute(select(ConsentRow.participant_id))).scalars())
    assert (amal_row.status, amal_row.erased_reason, amal_row.user_id, amal_row.chat_id) == ("erased", "request", 0, 0)
    assert amal_row.erased_at == NOW and amal_row.role == "connectee", "an anonymous record stays for the counts"
    assert (meeting.status, match.status) == ("cancelled", "cancelled")
    assert to_amal == [], "nothing older, nor the goodbye once delivered"
    assert amal_row.id in consents, "which terms were agreed to, when, is anonymous and stays"
    assert 101 not in chats, "the chat's state goes too; a new message starts afresh"

    await amal.send("/mydata")
    assert amal.screen[-2].text.startswith("You have no registration with us.")
    records = (amal.last.document or b"").decode()
    assert not any(value in records for value in AMAL_PERSONAL)
    exported = await everything_exported(world)
    assert not any(value in exported for value in AMAL_PERSONAL)
    assert "Priya Sharma" in exported, "only Amal's data goes"
    async with world.app.sessions() as session:
        summary = await export_of(session, question_keys(world.app.program), Period(None, None), world.now)
    assert summary.summary["connectees"] == 1, "she still counts in the program's statistics"


async def test_a_forged_delete_button_for_someone_else_erases_nothing(world: World) -> None:
    amal, priya = world.phone(101), world.phone(201)
    await world.register(amal, "connectee", AMAL)
    await world.register(priya, "connector", PRIYA)
    async with world.app.sessions() as session:
        amal_id = (await session.execute(select(ParticipantRow.id).where(ParticipantRow.user_id == 101))).scalar_one()
    await priya.press_forged(f"del:yes:{amal_id}")
    assert priya.notices == ["This button has expired."]
    await amal.send("/status")
    assert "Amal Haddad" in amal.last.text


async def test_a_coordinator_erases_on_request_by_email_and_the_person_is_told(world: World) -> None:
    priya, amal = await a_booked_meeting(world)
    async with world.app.sessions() as session:
        priya_id = (await session.execute(select(ParticipantRow.id).where(ParticipantRow.user_id == 201))).scalar_one()
    assert await world.app.erase("telegram", priya_id)
    await world.deliver()
    assert priya.last.text.startswith("Connector Program\nAs you asked, your personal data is erased.")
    assert amal.screen[-3].text.startswith("Priya has left the program, so your meeting on Thu, Nov 26")
    assert amal.screen[-2].text == "We will look for another volunteer for you."
    assert not await world.app.erase("telegram", priya_id), "erased already"
    assert not await world.app.erase("telegram", 9999)


async def test_people_inactive_longer_than_the_retention_are_anonymized_and_the_digest_says_so(world: World) -> None:
    amal, priya = world.phone(101), world.phone(201)
    await world.register(amal, "connectee", AMAL)
    await approve_all(world)
    later = NOW + timedelta(days=400)
    world.now = later
    await world.register(priya, "connector", PRIYA)  # registered a year later: still active

    # The program goes on: Priya writes the day before each of the daily runs on the clock below.
    world.now = NOW + timedelta(days=728)
    await priya.send("/status")
    await world.tick(NOW + timedelta(days=729))
    async with world.app.sessions() as session:
        kept = {
            user: status
            for user, status in await session.execute(select(ParticipantRow.user_id, ParticipantRow.status))
        }
    assert kept == {201: "submitted", 101: "approved"}, "729 days without activity is within the 730 kept"

    world.now = NOW + timedelta(days=730, hours=1)
    await priya.send("/status")
    await world.tick(NOW + timedelta(days=731, hours=1))
    async with world.app.sessions() as session:
        rows = list((await session.execute(select(ParticipantRow).order_by(ParticipantRow.id))).scalars())
    assert [(row.status, row.erased_reason) for row in rows] == [("erased", Erasure.RETENTION), ("submitted", None)]

    coordinator = world.phones[COORDINATOR]
    await coordinator.send("/digest")
    assert "1 person anonymized after 730 days without activity" in coordinator.last.text
    assert "0 people's data erased on request" in coordinator.last.text


async def test_the_erased_are_never_proposed_again(world: World) -> None:
    amal, priya = world.phone(101), world.phone(201)
    await world.register(priya, "connector", PRIYA)
    await approve_all(world)
    await priya.send("/delete")
    await priya.click("Yes, erase my data")
    await world.register(amal, "connectee", AMAL)
    await approve_all(world)
    assert amal.last.text.startswith("We are still looking for the right volunteer for you.")
    async with UnitOfWork(world.app.sessions) as uow:
        assert await uow.reports.find("Priya", 10) == []
