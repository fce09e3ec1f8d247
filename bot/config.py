"""Settings from the FRONTDOOR_* environment, and from a .env file for what the environment lacks."""

from __future__ import annotations

import os
import re
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field, replace
from pathlib import Path
from typing import Final

from dotenv import dotenv_values

from bot import allocator, flood
from bot.channels import telegram_library
from bot.channels.whatsapp_capabilities import PAIR_BURST, PAIR_INTERVAL, SEND_RATE
from handlers.core.ids import number

DEFAULT_API_URL: Final = "https://api.telegram.org"
DEFAULT_WHATSAPP_API_URL: Final = "https://graph.facebook.com"
WHATSAPP_SETTINGS: Final = (
    "FRONTDOOR_WHATSAPP_TOKEN",
    "FRONTDOOR_WHATSAPP_PHONE_NUMBER_ID",
    "FRONTDOOR_WHATSAPP_APP_SECRET",
    "FRONTDOOR_WHATSAPP_VERIFY_TOKEN",
)
DEFAULT_DATABASE_URL: Final = "sqlite+aiosqlite:///frontdoor.db"
TELEGRAM_USER_IDS: Final = range(1, 2**52)  # the Bot API: "at most 52 significant bits"
WEBHOOK_SECRET: Final = re.compile(r"[A-Za-z0-9_-]{1,256}")  # what Telegram accepts as secret_token
NO_TOKEN: Final = (
    "FRONTDOOR_BOT_TOKEN is not set: create a bot with @BotFather in Telegram (/newbot), put its token in "
    "FRONTDOOR_BOT_TOKEN or .env, or try the conversation without Telegram: frontdoor chat"
)


class SettingsError(ValueError):
    """A setting that cannot be used; the message is one line for the person starting the bot."""


@dataclass(frozen=True)
class Settings:
    bot_token: str | None = None
    telegram_api_url: str = DEFAULT_API_URL
    database_url: str = DEFAULT_DATABASE_URL
    coordinators: frozenset[int] = field(default_factory=frozenset)
    program_file: Path | None = None
    locales_dir: Path | None = None
    webhook_secret: str | None = None  # None: generated once and kept in the database for every worker
    send_rate: float = 30.0  # messages a second overall, shared by the live workers (Telegram: 30)
    chat_interval: float = 1.0  # seconds between two messages to one chat (Telegram: 1)
    chat_burst: int = 2  # messages one chat may get at once before that pace (bot.pacing.ChatPace)
    person_burst: float = flood.BURST  # updates one person may send at once (bot.flood says why)
    person_rate: float = flood.PER_SECOND  # and a second after that
    telegram_library: str = telegram_library.DEFAULT  # "aiogram" or "ptb" (python-telegram-bot)
    allocator: str = allocator.JEMALLOC  # where `run` finds it (bot.allocator says why), or "python"
    # PostgreSQL: connections a worker may hold at once, no more (None: 15, bot.app.POSTGRESQL_POOL),
    # each kept once opened. What a deployment sizes against max_connections or PgBouncer (docs/scaling.md).
    database_pool_size: int | None = None
    whatsapp: dict[str, str] = field(default_factory=dict)  # the FRONTDOOR_WHATSAPP_* settings given
    whatsapp_api_url: str = DEFAULT_WHATSAPP_API_URL
    # The WhatsApp sender's pace: the Cloud API's figures (bot.channels.whatsapp_capabilities says
    # whose), not Telegram's above; a test or a number with another throughput sets its own.
    whatsapp_send_rate: float = SEND_RATE
    whatsapp_pair_interval: float = PAIR_INTERVAL
    whatsapp_pair_burst: int = PAIR_BURST

    def whatsapp_paced(self) -> Settings:
        """These settings with the WhatsApp sender's pace where Telegram's is (bot.serve.sender_and_incoming)."""
        return replace(
            self,
            send_rate=self.whatsapp_send_rate,
            chat_interval=self.whatsapp_pair_interval,
            chat_burst=self.whatsapp_pair_burst,
        )

    def require_whatsapp(self) -> WhatsApp:
        """The WhatsApp door's settings; SettingsError names those missing."""
        missing = [name for name in WHATSAPP_SETTINGS if not self.whatsapp.get(name)]
        if missing:
            raise SettingsError(f"frontdoor run --whatsapp needs {', '.join(missing)} (README, The WhatsApp door)")
        token, phone_number_id, app_secret, verify_token = (self.whatsapp[name] for name in WHATSAPP_SETTINGS)
        if not phone_number_id.isdecimal():
            raise SettingsError(f"FRONTDOOR_WHATSAPP_PHONE_NUMBER_ID: {phone_number_id!r} is not a number")
        return WhatsApp(token, phone_number_id, app_secret, verify_token, self.whatsapp_api_url)

    def require_token(self) -> str:
        if not self.bot_token:
            raise SettingsError(NO_TOKEN)
        return self.bot_token


@dataclass(frozen=True)
class WhatsApp:
    """The WhatsApp Cloud API: what we send with (the token, our number's id, the Graph API's address)
    and what proves a webhook request is Meta's (the app's secret, the token of its verification)."""

    token: str
    phone_number_id: str
    app_secret: str
    verify_token: str
    api_url: str


@dataclass(frozen=True)
class Webhook:
    """`frontdoor run --webhook URL --listen HOST:PORT`: the address Telegram calls, and where we listen."""

    url: str
    path: str
    host: str
    port: int


Getter = Callable[[str], str | None]


def load_settings(environ: Mapping[str, str] | None = None, env_file: Path | None = Path(".env")) -> Settings:
    """The environment wins over .env; a malformed value raises SettingsError naming it."""
    values: dict[str, str] = {}
    if env_file is not None and env_file.is_file():
        values.update({k: v for k, v in dotenv_values(env_file).items() if v is not None})
    values.update(os.environ if environ is None else environ)

    def get(name: str) -> str | None:
        value = values.get(name, "").strip()
        return value or None

    # Checked in this order so that the first malformed setting is the one named.
    coordinators = _coordinators(get)
    api_url = _api_url(get)
    database_url = _database_url(get)
    program_file = get("FRONTDOOR_PROGRAM_FILE")
    locales_dir = _locales_dir(get)
    return Settings(
        bot_token=get("FRONTDOOR_BOT_TOKEN"),
        telegram_api_url=api_url,
        database_url=database_url,
        coordinators=coordinators,
        program_file=Path(program_file) if program_file else None,
        locales_dir=locales_dir,
        webhook_secret=_webhook_secret(get),
        send_rate=_number(get, "FRONTDOOR_SEND_RATE", 30.0, low=0.1, high=1000.0),
        chat_interval=_number(get, "FRONTDOOR_CHAT_INTERVAL", 1.0, low=0.0, high=60.0),
        chat_burst=_whole(get, "FRONTDOOR_CHAT_BURST", 2, low=1, high=5),
        person_burst=_number(get, "FRONTDOOR_PERSON_BURST", flood.BURST, low=1.0, high=1_000_000.0),
        person_rate=_number(get, "FRONTDOOR_PERSON_RATE", flood.PER_SECOND, low=0.01, high=1_000_000.0),
        telegram_library=_library(get),
        allocator=_allocator(get),
        database_pool_size=_pool_size(get, database_url),
        whatsapp={name: value for name in WHATSAPP_SETTINGS if (value := get(name))},
        whatsapp_api_url=_api_url(get, "FRONTDOOR_WHATSAPP_API_URL", DEFAULT_WHATSAPP_API_URL),
        whatsapp_send_rate=_number(get, "FRONTDOOR_WHATSAPP_SEND_RATE", SEND_RATE, low=0.1, high=1000.0),
        whatsapp_pair_interval=_number(get, "FRONTDOOR_WHATSAPP_PAIR_INTERVAL", PAIR_INTERVAL, low=0.0, high=60.0),
        whatsapp_pair_burst=_whole(get, "FRONTDOOR_WHATSAPP_PAIR_BURST", PAIR_BURST, low=1, high=PAIR_BURST),
    )


def _library(get: Getter) -> str:
    name = get("FRONTDOOR_TELEGRAM_LIBRARY") or telegram_library.DEFAULT
    if name not in telegram_library.MODULES:
        raise SettingsError(f"FRONTDOOR_TELEGRAM_LIBRARY: {name!r} is not one of {', '.join(telegram_library.MODULES)}")
    return name


def _allocator(get: Getter) -> str:
    name = get("FRONTDOOR_ALLOCATOR") or allocator.JEMALLOC
    if name not in allocator.CHOICES:
        raise SettingsError(f"FRONTDOOR_ALLOCATOR: {name!r} is not one of {', '.join(allocator.CHOICES)}")
    return name


def _coordinators(get: Getter) -> frozenset[int]:
    coordinators: set[int] = set()
    for item in (get("FRONTDOOR_COORDINATORS") or "").split(","):
        if item.strip():
            user_id = number(item.strip(), TELEGRAM_USER_IDS)
            if user_id is None:
                raise SettingsError(f"FRONTDOOR_COORDINATORS: {item.strip()!r} is not a Telegram user id (a number)")
            coordinators.add(user_id)
    return frozenset(coordinators)


def _api_url(get: Getter, name: str = "FRONTDOOR_TELEGRAM_API_URL", default: str = DEFAULT_API_URL) -> str:
    api_url = (get(name) or default).rstrip("/")
    if not api_url.startswith(("http://", "https://")):
        raise SettingsError(f"{name} must start with http:// or https://, not {api_url!r}")
    return api_url


def _database_url(get: Getter) -> str:
    database_url = get("FRONTDOOR_DATABASE_URL") or DEFAULT_DATABASE_URL
    if not database_url.startswith(("sqlite+aiosqlite://", "postgresql+asyncpg://")):
        raise SettingsError("FRONTDOOR_DATABASE_URL must start with sqlite+aiosqlite:// or postgresql+asyncpg://")
    return database_url


def _pool_size(get: Getter, database_url: str) -> int | None:
    if get("FRONTDOOR_DATABASE_POOL_SIZE") is None:
        return None
    if not database_url.startswith("postgresql"):
        raise SettingsError("FRONTDOOR_DATABASE_POOL_SIZE is for PostgreSQL: SQLite is written through one connection")
    return _whole(get, "FRONTDOOR_DATABASE_POOL_SIZE", 0, low=1, high=1000)


def _locales_dir(get: Getter) -> Path | None:
    locales_dir = get("FRONTDOOR_LOCALES_DIR")
    if locales_dir and not Path(locales_dir).is_dir():
        raise SettingsError(f"FRONTDOOR_LOCALES_DIR: {locales_dir} is not a folder")
    return Path(locales_dir) if locales_dir else None


def _webhook_secret(get: Getter) -> str | None:
    webhook_secret = get("FRONTDOOR_WEBHOOK_SECRET")
    if webhook_secret is not None and not WEBHOOK_SECRET.fullmatch(webhook_secret):
        raise SettingsError("FRONTDOOR_WEBHOOK_SECRET must be 1 to 256 characters: letters, digits, _ and -")
    return webhook_secret


def _number(get: Getter, name: str, default: float, *, low: float, high: float) -> float:
    text = get(name)
    if text is None:
        return default
    try:
        value = float(text)
    except ValueError:
        raise SettingsError(f"{name}: {text!r} is not a number") from None
    if not low <= value <= high:
        raise SettingsError(f"{name} must be between {low:g} and {high:g}, not {text}")
    return value


def _whole(get: Getter, name: str, default: int, *, low: int, high: int) -> int:
    value = _number(get, name, default, low=low, high=high)
    if value != int(value):
        raise SettingsError(f"{name} must be a whole number, not {get(name)}")
    return int(value)
