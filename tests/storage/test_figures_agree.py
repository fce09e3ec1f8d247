"""The figures a coordinator gives funders, against what happened: a meeting is counted once, as it went."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from storage.export import Period, summary
from storage.tables import FollowUpRow, JobRow, MeetingRow, ParticipantRow
from tests.storage.test_follow_up_flow import ASKED, rows
from tests.support.personas import AMAL, COORDINATOR, DETAILS, a_booked_meeting
from tests.support.world import World


async def test_a_meeting_rescheduled_then_held_is_one_meeting_held(world: World) -> None:
    # Amal says first that they rescheduled; Priya, answering her own follow-up later, says they met
    # (at the new time, as she sees it). The first meeting did not take place at its time: the new one did.
    priya, amal = await a_booked_meeting(world)
    await world.run_jobs(ASKED)
    asked = priya.last.copy()  # Priya's "did it take place?", not answered yet
    await amal.click("We rescheduled")
    new_time = priya.last.labels()[0]
    await priya.click(new_time)
    await amal.click("Yes, that works")
    assert f"When: {new_time}" in amal.showing(DETAILS).text
    await priya.click("Yes, we met", on=asked)

    first, second = await rows(world, MeetingRow)
    assert (first.status, first.outcome) == ("rescheduled", None), "it did not take place at its time"
    assert second.status == "scheduled"
    async with world.app.sessions() as session:
        assert (await summary(session, Period()))["meetings_held"] == 0, "none held yet: the new one is to come"
    work = [job.key for job in await rows(world, JobRow) if ":work:" in job.key]
    assert not any(key.startswith(f"meeting:{first.id}:") for key in work), "no work questions about it"

    await world.run_jobs(second.ends_at.replace(tzinfo=UTC) + timedelta(hours=2))
    await amal.click("Yes, we met")
    await priya.click("Yes, we met")
    first, second = await rows(world, MeetingRow)
    assert (first.outcome, second.outcome) == (None, "held")
    async with world.app.sessions() as session:
        assert (await summary(session, Period()))["meetings_held"] == 1
    coordinator = world.phones.get(COORDINATOR) or world.phone(COORDINATOR)
    await coordinator.send("/digest")
    assert "\n1 meeting held\n" in coordinator.last.text
    await coordinator.send("/stats")
    assert "Meetings held: 1 (" in coordinator.last.text


async def test_a_meeting_one_side_says_took_place_is_not_booked_again_by_the_other_s_we_rescheduled(
    world: World,
) -> None:
    priya, amal = await a_booked_meeting(world)
    await world.run_jobs(ASKED)
    await amal.click("Yes, we met")
    await priya.click("We rescheduled")
    assert not any("pick a new time" in text for text in priya.texts()), "no new times: Amal said they met"
    assert not any("pick a new time" in text for text in amal.texts())
    (meeting,) = await rows(world, MeetingRow)
    assert (meeting.status, meeting.outcome) == ("scheduled", "held")
    answers = [follow_up.answers.get("happened") for follow_up in await rows(world, FollowUpRow)]
    assert answers == ["yes", "rescheduled"], "both answers kept"
    async with world.app.sessions() as session:
        assert (await summary(session, Period()))["meetings_held"] == 1


async def test_a_half_done_registration_erased_is_not_counted_as_registered(world: World) -> None:
    # Nadia agreed and began, then asked for her data to be erased before submitting; Amal submitted.
    nadia, amal = world.phone(102), world.phone(101)
    await world.register(amal, "connectee", AMAL)
    await world.register(nadia, "connectee", AMAL | {"name": "Nadia"}, submit=False)
    coordinator = world.phones.get(COORDINATOR) or world.phone(COORDINATOR)
    await coordinator.send("/stats")
    assert "Newcomers registered: 1 (1)" in coordinator.last.text
    await nadia.send("/delete")
    await nadia.click("Yes, erase my data")
    assert [p.status for p in await rows(world, ParticipantRow)] == ["submitted", "erased"]
    await coordinator.send("/stats")
    assert "Newcomers registered: 1 (1)" in coordinator.last.text, "she never registered"
    async with world.app.sessions() as session:
        assert (await summary(session, Period()))["connectees"] == 1


async def test_a_no_show_is_in_one_digest_however_late_the_new_time_is_asked_for(world: World) -> None:
    priya, amal = await a_booked_meeting(world)
    coordinator = world.phones.get(COORDINATOR) or world.phone(COORDINATOR)
    await world.run_jobs(ASKED)
    await priya.click("The other person did not come")
    await world.run_jobs(datetime(2026, 11, 27, 13, 0, tzinfo=UTC))  # the digest, 8:00 in Toronto
    assert "\n1 meeting missed (no-show)\n" in coordinator.last.text
    await priya.click("Try another time")  # the next morning, after the digest
    assert priya.last.text == "Please pick a new time for your meeting with Amal:"
    await world.run_jobs(datetime(2026, 11, 28, 13, 0, tzinfo=UTC))
    assert "daily digest, November 28, 2026" in coordinator.last.text
    assert "\n0 meetings missed (no-show)\n" in coordinator.last.text, "reported yesterday already"
