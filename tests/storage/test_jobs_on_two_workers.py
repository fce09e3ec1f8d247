"""Every worker runs the job runner (a Telegram one, a WhatsApp one, a process serving both doors): two
running it at the same moment on one database run each job once, so each person hears each thing once."""

from __future__ import annotations

import asyncio
from datetime import UTC, datetime

from tests.support.clock import NOW
from tests.support.personas import COORDINATOR, a_booked_meeting
from tests.support.world import CHANNEL, world_on

# The meeting a_booked_meeting books is on Thu, Nov 26, 9:00 in Toronto (14:00 UTC).
DAY_BEFORE = datetime(2026, 11, 25, 14, 1, tzinfo=UTC)
AFTER = datetime(2026, 11, 26, 16, 31, tzinfo=UTC)  # two hours after it ended: how did it go?


async def test_two_workers_running_the_jobs_at_once_remind_and_ask_each_person_once(database_url: str) -> None:
    async with world_on(database_url, NOW, coordinators=[COORDINATOR]) as world:
        priya, amal = await a_booked_meeting(world)
        async with world_on(database_url, NOW, coordinators=[COORDINATOR], first_update=100_000) as other:
            for moment in (DAY_BEFORE, AFTER):
                runs = await asyncio.gather(world.app.run_jobs(CHANNEL, moment), other.app.run_jobs(CHANNEL, moment))
                assert all(run.failed == 0 for run in runs)
                assert sum(run.done for run in runs) > 0, "the jobs due were run, by one worker or the other"
                await world.deliver()

    for phone, other_name in ((amal, "Priya"), (priya, "Amal")):
        texts = phone.texts()
        assert sum(text.startswith(f"Reminder: you meet {other_name} in 24 hours") for text in texts) == 1
        assert sum(f"How did your meeting with {other_name} go?" in text for text in texts) == 1
