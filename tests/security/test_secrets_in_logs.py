"""The bot token never reaches a log line, and logs name participants by number, not by what they told us."""

from __future__ import annotations

import io
import logging
import secrets
from pathlib import Path

from bot.redaction import REDACTED, install, secrets_of_token
from tests.e2e.bot_process import BotProcess
from tests.e2e.emulator import BotApiEmulator
from tests.e2e.people import CONNECTEE_SCRIPT, COORDINATOR, run_script
from tests.e2e.person import WAIT, Person

TOKEN = f"7{secrets.randbelow(10**9):09d}:AA{secrets.token_urlsafe(30)}"
WHAT_AMAL_TOLD_US = ("Amal", "Haddad", "amal@example.com", "Software developer", "Kitchener")


def test_the_token_is_cut_from_a_log_line_and_from_an_exception_carrying_the_url() -> None:
    logger = logging.getLogger("frontdoor.test.redaction")
    handler = logging.StreamHandler(stream := io.StringIO())
    logger.addHandler(handler)
    install(secrets_of_token(TOKEN), logger)
    try:
        raise ConnectionError(f"cannot reach https://api.telegram.org/bot{TOKEN}/getUpdates")
    except ConnectionError:
        logger.exception("polling failed for %s", f"bot{TOKEN}")
    logger.warning("only the secret half: %s", TOKEN.partition(":")[2])
    logger.removeHandler(handler)
    written = stream.getvalue()
    assert TOKEN.partition(":")[2] not in written
    assert written.count(REDACTED) == 3 and "getUpdates" in written and "ConnectionError" in written


async def test_the_token_never_appears_in_the_logs_of_a_full_run_with_faults(tmp_path: Path) -> None:
    async with BotApiEmulator(token=TOKEN) as telegram:
        bot = BotProcess(telegram, tmp_path, environment={"FRONTDOOR_COORDINATORS": str(COORDINATOR)})
        await bot.start()
        try:
            amal = telegram.user(101, first_name="Amal", language_code="en")
            telegram.fail_next("sendMessage", status=500, times=2)  # retried, and logged
            telegram.fail_next("editMessageText", status=400, description="Bad Request: message is not modified")
            await run_script(amal, CONNECTEE_SCRIPT)
            coordinator = Person(telegram.user(COORDINATOR, first_name="Coordinator"))
            await coordinator.send("/pending", expect="1 application is waiting for review.")
            application = await coordinator.wait_showing("Approve")
            await coordinator.click("Approve", on=application, expect=None)
            await telegram.refuse_connections(2.0)  # an outage: polling fails, and says so in the log
            await telegram.wait_listening(timeout=WAIT)
            await amal.wait_for(lambda m: "still looking" in m.text, timeout=WAIT)
            telegram.block(101)
            amal.send("/status")  # the answer meets a 403
            await amal.wait_idle(quiet=1.0, timeout=WAIT)
        finally:
            bot.stop()
    log = bot.log.read_text()
    assert "running as @" in log, "the log was captured"
    assert TOKEN.partition(":")[2] not in log
    assert not [value for value in WHAT_AMAL_TOLD_US if value in log]
