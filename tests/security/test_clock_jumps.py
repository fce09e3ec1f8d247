"""A clock that jumps, forward or back, or a pretended time, must never erase the program.

Retention anonymizes irreversibly, by the clock alone: it runs only on the real clock, refuses when
that clock does not fit the newest activity on record (the coordinators are told), and one daily run
anonymizes at most a share of the program unless a coordinator confirms with
`frontdoor retention run --confirm`.
"""

from __future__ import annotations

from datetime import timedelta

from sqlalchemy import select

from handlers.privacy.retention import AHEAD, AT_LEAST, SKEW, ClockCheck, allowance
from storage.tables import JobRow, ParticipantRow
from tests.support.clock import NOW
from tests.support.personas import AMAL, COORDINATOR, PRIYA, approve_all
from tests.support.world import CHANNEL, World

THREE_YEARS = timedelta(days=3 * 365)
RETENTION_DAYS = 730  # the default program's [privacy] retention_days
REFUSED = "Retention did not run: the server's clock says "


async def statuses(world: World) -> dict[int, str]:
    """Each participant's status, by their Telegram id (an erased person's id is gone: by number)."""
    async with world.app.sessions() as session:
        rows = await session.execute(select(ParticipantRow.id, ParticipantRow.user_id, ParticipantRow.status))
        return {user_id or -number: status for number, user_id, status in rows}


async def erased(world: World) -> int:
    return list((await statuses(world)).values()).count("erased")


async def retention_jobs(world: World) -> list[tuple[str, str | None]]:
    async with world.app.sessions() as session:
        rows = await session.execute(
            select(JobRow.status, JobRow.last_error).where(JobRow.kind == "privacy.retention").order_by(JobRow.id)
        )
        return [(status, error) for status, error in rows]


def refusals(world: World) -> list[str]:
    """What the coordinator was told about retention refusing to run."""
    return [text for text in world.phones[COORDINATOR].texts() if text.startswith(REFUSED)]


async def amal_and_priya(world: World) -> None:
    await world.register(world.phone(101), "connectee", AMAL)
    await world.register(world.phone(201), "connector", PRIYA)
    await approve_all(world)


async def twelve_newcomers(world: World) -> None:
    """A cohort of twelve who registered the same day and were never heard from again."""
    for number in range(12):
        details = AMAL | {"name": f"Newcomer {number}", "email": f"newcomer{number}@example.com"}
        await world.register(world.phone(300 + number), "connectee", details)


async def the_program_goes_on(world: World, until: timedelta) -> None:
    """Someone writes to the bot an hour before `NOW + until`: the program is alive then."""
    world.now = NOW + until - timedelta(hours=1)
    await (world.phones.get(COORDINATOR) or world.phone(COORDINATOR)).send("/stats")


async def test_jobs_run_three_years_ahead_anonymizes_nobody(world: World) -> None:
    await amal_and_priya(world)
    world.now = NOW + THREE_YEARS
    run = await world.app.run_jobs(CHANNEL, NOW + THREE_YEARS)  # frontdoor jobs run --now <three years on>
    assert run.retention_left, "the other jobs ran at the pretended time; retention waits for the real clock"
    assert run.failed == 0
    assert await statuses(world) == {101: "approved", 201: "approved"}
    assert await retention_jobs(world) == [], "not even scheduled at a pretended time"


async def test_a_system_clock_three_years_ahead_erases_nobody_and_the_coordinators_are_told(world: World) -> None:
    await amal_and_priya(world)
    await world.tick(NOW + THREE_YEARS)  # the machine rebooted with its clock three years on
    assert await statuses(world) == {101: "approved", 201: "approved"}
    [told] = refusals(world)
    assert told.startswith(REFUSED + "Thu, Nov 22, 2029, 10:00\u202fAM")
    assert "the newest activity on record is from Mon, Nov 23, 2026" in told
    assert "Nobody was anonymized." in told
    [(status, error)] = await retention_jobs(world)
    assert status == "failed" and error is not None and "more than 7 days past the newest activity" in error

    await world.tick(NOW + THREE_YEARS + timedelta(minutes=1))  # the next minute's run: told once a day
    assert refusals(world) == [told]
    assert await erased(world) == 0


async def test_a_clock_gone_back_behind_the_newest_row_erases_nobody(world: World) -> None:
    await world.register(world.phone(101), "connectee", AMAL)  # Amal, on day one, then never again
    world.now = NOW + timedelta(days=800)
    await world.register(world.phone(201), "connector", PRIYA)  # Priya, 800 days later
    await approve_all(world)
    # The clock goes back 40 days: Amal looks 760 days inactive, but Priya wrote "in the future".
    await world.tick(NOW + timedelta(days=760))
    assert await statuses(world) == {101: "approved", 201: "approved"}
    assert len(refusals(world)) == 1
    [(status, error)] = await retention_jobs(world)
    assert status == "failed" and error is not None and "is behind the newest activity on record" in error


async def test_a_due_retention_larger_than_the_daily_share_anonymizes_the_share_and_the_rest_the_next_day(
    world: World,
) -> None:
    await twelve_newcomers(world)
    await the_program_goes_on(world, until=timedelta(days=RETENTION_DAYS + 1))
    await world.tick(NOW + timedelta(days=RETENTION_DAYS + 1))
    assert await erased(world) == AT_LEAST, "ten of the twelve due: the daily share of a small program"

    await the_program_goes_on(world, until=timedelta(days=RETENTION_DAYS + 2))
    await world.tick(NOW + timedelta(days=RETENTION_DAYS + 2))
    assert await erased(world) == 12, "the two left are taken by the next run"
    assert [status for status, _ in await retention_jobs(world)] == ["done", "done"]


async def test_retention_run_confirm_anonymizes_everyone_due_at_once(world: World) -> None:
    await twelve_newcomers(world)
    await the_program_goes_on(world, until=timedelta(days=RETENTION_DAYS + 1))
    world.now = NOW + timedelta(days=RETENTION_DAYS + 1)

    plan = await world.app.retention_plan(CHANNEL, world.now)  # frontdoor retention run
    assert (len(plan.due), plan.remaining, plan.allowance) == (12, 12, AT_LEAST)
    assert plan.check.fault is None
    assert await erased(world) == 0, "without --confirm it only says what it would do"

    assert await world.app.anonymize_due(CHANNEL, world.now) == 12  # frontdoor retention run --confirm
    assert await erased(world) == 12


async def test_retention_run_confirm_still_refuses_a_clock_gone_back(world: World) -> None:
    await world.register(world.phone(101), "connectee", AMAL)
    world.now = NOW + timedelta(days=800)
    await world.register(world.phone(201), "connector", PRIYA)
    plan = await world.app.retention_plan(CHANNEL, NOW + timedelta(days=760))
    assert plan.check.behind and plan.due, "Amal looks due, but the clock went back: bot.commands refuses"


def test_one_daily_run_may_anonymize_a_twentieth_of_the_program_and_at_least_ten() -> None:
    assert [allowance(remaining) for remaining in (0, 12, 200, 201, 10_000)] == [10, 10, 10, 11, 500]


def test_workers_a_few_seconds_apart_and_a_quiet_week_are_not_clock_jumps() -> None:
    newest = NOW
    assert ClockCheck(NOW - timedelta(seconds=30), newest).fault is None, "another worker's clock a little ahead"
    assert ClockCheck(NOW + AHEAD, newest).fault is None, "a week with nobody writing and the bot stopped"
    assert ClockCheck(NOW - SKEW - timedelta(seconds=1), newest).behind
    assert ClockCheck(NOW + AHEAD + timedelta(seconds=1), newest).ahead
    assert ClockCheck(NOW + THREE_YEARS, None).fault is None, "an empty database has nobody to anonymize"
