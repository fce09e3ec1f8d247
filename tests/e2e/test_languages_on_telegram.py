"""The whole newcomer intake on Telegram in every language, with marked catalogs: a line a person
sees without the marker is English (or any untranslated text) that reached them."""

from __future__ import annotations

from collections.abc import AsyncIterator

import pytest
import pytest_asyncio

from bot.catalogs import Catalogs
from bot.channels.telegram_menu import menu_languages
from handlers.core.program import load_program
from handlers.core.render import weekday_names
from handlers.core.translator import native_name
from handlers.intake.conversation import COMMANDS
from tests.e2e.bot_process import BotProcess
from tests.e2e.emulator import BotApiEmulator
from tests.e2e.script import answer, plain
from tests.support import driver
from tests.support.marked_catalogs import MARK, marked_catalogs, unmarked_lines

PROGRAM = load_program()
LANGUAGES = PROGRAM.languages
MENU_CODES = {language: code for code, language in menu_languages(LANGUAGES).published.items()}  # zh-Hans: zh
COMMUNITIES = {option.label for option in PROGRAM.forms["connectee"].question("community").options}

pytestmark = pytest.mark.asyncio(loop_scope="module")


@pytest_asyncio.fixture(scope="module", loop_scope="module")
async def catalogs(tmp_path_factory: pytest.TempPathFactory) -> Catalogs:
    return marked_catalogs(tmp_path_factory.mktemp("locales"), LANGUAGES)


@pytest_asyncio.fixture(scope="module", loop_scope="module")
async def telegram() -> AsyncIterator[BotApiEmulator]:
    async with BotApiEmulator() as emulator:
        yield emulator


@pytest_asyncio.fixture(scope="module", loop_scope="module")
async def bot(
    telegram: BotApiEmulator, catalogs: Catalogs, tmp_path_factory: pytest.TempPathFactory
) -> AsyncIterator[BotProcess]:
    process = BotProcess(
        telegram, tmp_path_factory.mktemp("bot"), environment={"FRONTDOOR_LOCALES_DIR": str(catalogs.locales)}
    )
    await process.start()
    yield process
    process.stop()


def is_from_catalog(label: str) -> bool:
    return MARK in label or plain(label) in COMMUNITIES or label.isdigit()


@pytest.mark.parametrize("language", LANGUAGES)
async def test_a_newcomer_registers_in_their_language_and_sees_no_other(
    language: str, telegram: BotApiEmulator, bot: BotProcess, catalogs: Catalogs
) -> None:
    t = driver.reader(catalogs.translator(language), load_program())
    form = PROGRAM.forms["connectee"]

    def asked(key: str) -> str:
        return t(form.question(key).text)

    user = telegram.user(9000 + LANGUAGES.index(language), first_name="John", language_code=language)
    in_progress = catalogs.translator(language).ngettext(
        "Your registration is in progress: you have answered {count} question. Send /start to continue.",
        "Your registration is in progress: you have answered {count} questions. Send /start to continue.",
        16,
    )
    monday_morning = t("{day} {time}").format(day=weekday_names(language)[0], time=t("am"))
    script = [
        ("/start", t("Which language would you like to use?").split("\n")[0]),
        (
            f"press:{native_name(language)}",
            t("Are you new to the region, or a volunteer who would like to meet newcomers?"),
        ),
        (f"press:{t('I am new to the region')}", t(form.consent.text).split("\n")[0]),
        (f"press:{t('I agree', 'consent')}", asked("name")),
        ("John Smith", asked("community")),
        ("press:Kitchener", asked("situation")),
        (f"press:{t('Refugee')}", asked("arrival_year")),
        ("2021", asked("occupation")),
        ("Welder", asked("sector")),
        (f"press:{t('Engineering')}", asked("experience")),
        (f"press:{t('2 to 5 years')}", asked("education")),
        (f"press:{t('Doctorate')}", asked("languages")),
        (f"tick:{t('Arabic')}", ""),
        (f"press:{t('Done')}", asked("goals")),
        (f"tick:{t('Grow my network')}", ""),
        (f"press:{t('Done')}", asked("availability")),
        (f"tick:{monday_morning}", ""),
        (f"press:{t('Done')}", asked("meeting_mode")),
        (f"press:{t('Video call')}", asked("phone")),
        ("contact:+15195550123", asked("email")),
        ("john@example.com", asked("profile_link")),
        (f"press:{t('Skip', 'question')}", asked("referral_source")),
        (f"press:{t('Social media')}", t("Please check your answers. Tap an answer's button to change it, or Submit.")),
        ("/back", asked("referral_source")),
        ("hello", t("Please tap one of the buttons below.")),
        ("/status", in_progress[:8]),
        (
            "/help",
            t("/{command}: {description}", "help").format(
                command="help", description=t("What this bot does and how to use it")
            ),
        ),
    ]
    for action, expect in script:
        await answer(user, action, expect)

    leaks = [(message.message_id, line) for message in user.inbox for line in unmarked_lines(message.text)]
    assert leaks == []
    buttons = [label for message in user.inbox[1:] for label in message.buttons()]
    assert [label for label in buttons if not is_from_catalog(label)] == []
    assert all(label in {native_name(code) for code in LANGUAGES} for label in user.inbox[0].buttons())
    menu = telegram.commands[(MENU_CODES[language], "default")]
    assert [MARK in command["description"] for command in menu] == [True] * len(COMMANDS)
    assert all(len(data.encode()) <= 64 and data.isascii() for m in user.inbox for data in m.button_data())
