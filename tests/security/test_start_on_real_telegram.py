"""`frontdoor run` starts on real Telegram: against an emulator that refuses whatever the published
Bot API and Telegram's server refuse, the default program starts and publishes its menu in every
language under a code Telegram takes; and whatever Telegram answers at start, the bot says it in
one line and stops with a status a process manager can act on, never with a traceback."""

from __future__ import annotations

import re
import shutil
from pathlib import Path

import aiohttp
import pytest

from bot.catalogs import LOCALES, Catalogs
from bot.channels.telegram_library import MODULES
from handlers.core.program import DEFAULT_PROGRAM_FILE, load_program
from handlers.intake.conversation import COMMANDS
from tests.e2e.bot_process import BotProcess, free_port
from tests.e2e.emulator import BotApiEmulator
from tests.support.marked_catalogs import MARK, marked_catalogs

PROGRAM = load_program()
REFUSED_AT_START = 1  # Telegram refused (a token it does not know too), or could not be reached
# Every test starts the bot on each Telegram library, and expects the same.
pytestmark = pytest.mark.parametrize("library", tuple(MODULES))
NO_CONNECTION = {"aiogram": "Cannot connect", "ptb": "ConnectError"}  # as each library's HTTP client says it


def error_lines(log: str) -> list[str]:
    return [line for line in log.splitlines() if " ERROR " in line or line.startswith("frontdoor:")]


async def test_the_default_program_starts_on_telegram_and_publishes_its_menu_in_every_language(
    library: str,
    tmp_path: Path,
) -> None:
    async with BotApiEmulator() as telegram:
        telegram.library = library
        bot = BotProcess(telegram, tmp_path)
        await bot.start()
        bot.stop()
    refused = [(call.params, call.response) for call in telegram.calls if call.status != 200]
    assert refused == []
    menus = {language for language, scope in telegram.commands if scope == "default"}
    assert menus == {None, "en", "fr", "es", "ar", "zh", "pa", "tl", "ur", "fa", "uk"}
    chinese = Catalogs().translator("zh-Hans").gettext
    assert telegram.commands[("zh", "default")] == [
        {"command": name, "description": chinese(description)} for name, description in COMMANDS.items()
    ]
    assert "command menu published under en (en), fr (fr), es (es), ar (ar), zh (zh-Hans)" in bot.log.read_text()


async def test_a_program_whose_two_languages_share_a_code_publishes_the_first_and_says_which_in_the_log(
    library: str,
    tmp_path: Path,
) -> None:
    program = tmp_path / "program.toml"
    default = DEFAULT_PROGRAM_FILE.read_text(encoding="utf-8")
    program.write_text(re.sub(r"(?m)^languages = \[.*\]$", 'languages = ["en", "fr", "fr-CA"]', default, count=1))
    assert load_program(program).languages == ("en", "fr", "fr-CA")
    locales = tmp_path / "locales"
    shutil.copytree(LOCALES, locales, ignore=shutil.ignore_patterns("*.mo"))
    marked = marked_catalogs(tmp_path / "marked", ("fr",)).locales / "fr" / "LC_MESSAGES" / "messages.po"
    (locales / "fr_CA" / "LC_MESSAGES").mkdir(parents=True)
    shutil.copy(marked, locales / "fr_CA" / "LC_MESSAGES" / "messages.po")
    async with BotApiEmulator() as telegram:
        telegram.library = library
        environment = {"FRONTDOOR_PROGRAM_FILE": str(program), "FRONTDOOR_LOCALES_DIR": str(locales)}
        bot = BotProcess(telegram, tmp_path, environment=environment)
        await bot.start()
        bot.stop()
    published = [call.params.get("language_code") for call in telegram.calls_to("setMyCommands")]
    assert sorted(published, key=str) == [None, "en", "fr"]
    french = Catalogs(locales).translator("fr").gettext
    assert telegram.commands[("fr", "default")][0]["description"] == french(COMMANDS["start"])
    assert MARK not in french(COMMANDS["start"])
    log = bot.log.read_text()
    assert "command menu in fr-CA not published: 'fr' already shows fr" in log
    assert "command menu published under en (en), fr (fr)" in log


async def set_a_webhook(telegram: BotApiEmulator) -> None:
    """A webhook left set by an earlier run: `frontdoor run` (long polling) removes it at start."""
    url = f"{telegram.url}/bot{telegram.token}/setWebhook"
    async with aiohttp.ClientSession() as http, http.post(url, json={"url": f"http://127.0.0.1:{free_port()}/"}) as r:
        assert r.status == 200


@pytest.mark.parametrize(
    ("method", "status", "description"),
    [
        ("setMyCommands", 400, "Bad Request: invalid language code specified"),
        ("getMe", 404, "Not Found"),
        ("getMe", 502, "Bad Gateway"),
        ("getWebhookInfo", 403, "Forbidden: bot was blocked"),
        ("deleteWebhook", 409, "Conflict: terminated by other request"),
        ("setWebhook", 400, "Bad Request: bad webhook: HTTPS url must be provided for webhook"),
    ],
)
async def test_telegram_refusing_a_call_at_start_is_one_line_and_exit_status_1(
    library: str, method: str, status: int, description: str, tmp_path: Path
) -> None:
    async with BotApiEmulator() as telegram:
        telegram.library = library
        if method == "deleteWebhook":
            await set_a_webhook(telegram)
        telegram.fail_next(method, status=status, description=description)
        bot = BotProcess(telegram, tmp_path, webhook_port=free_port() if method == "setWebhook" else None)
        exit_status = await bot.exit_status()
    log = bot.log.read_text()
    assert "Traceback" not in log
    [line] = error_lines(log)
    assert line.endswith(f" ERROR frontdoor: Telegram refused {method} at start: {description}")
    assert exit_status == REFUSED_AT_START


async def test_telegram_out_of_reach_at_start_is_tried_again_then_one_line_and_exit_status_1(
    library: str, tmp_path: Path
) -> None:
    async with BotApiEmulator() as telegram:
        telegram.library = library
        nobody = {"FRONTDOOR_TELEGRAM_API_URL": f"http://127.0.0.1:{free_port()}"}
        bot = BotProcess(telegram, tmp_path, environment=nobody)
        exit_status = await bot.exit_status()
    log = bot.log.read_text()
    assert "Traceback" not in log
    retries = [line for line in log.splitlines() if " WARNING frontdoor: Telegram could not be reached" in line]
    assert [line.split("(attempt ")[1][:6] for line in retries] == ["1 of 4", "2 of 4", "3 of 4"]
    assert [line.rsplit("trying again in ", 1)[1] for line in retries] == ["1 s", "2 s", "4 s"]
    [line] = error_lines(log)
    assert "Telegram could not be reached at start (getMe): " in line and NO_CONNECTION[library] in line
    assert exit_status == REFUSED_AT_START


async def test_a_token_telegram_refuses_at_start_is_one_line_naming_the_setting_and_exit_status_1(
    library: str,
    tmp_path: Path,
) -> None:
    async with BotApiEmulator() as telegram:
        telegram.library = library
        telegram.fail_next("getMe", status=401)
        bot = BotProcess(telegram, tmp_path)
        exit_status = await bot.exit_status()
    log = bot.log.read_text()
    assert "Traceback" not in log
    [line] = error_lines(log)
    assert line.endswith("frontdoor: Telegram refused FRONTDOOR_BOT_TOKEN (401 Unauthorized): check it with @BotFather")
    assert exit_status == REFUSED_AT_START
