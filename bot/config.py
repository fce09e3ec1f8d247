"""Settings from the FRONTDOOR_* environment, and from a .env file for what the environment lacks."""

from __future__ import annotations

import os
from collections.abc import Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Final

from dotenv import dotenv_values

DEFAULT_API_URL: Final = "https://api.telegram.org"
DEFAULT_DATABASE_URL: Final = "sqlite+aiosqlite:///frontdoor.db"
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

    def require_token(self) -> str:
        if not self.bot_token:
            raise SettingsError(NO_TOKEN)
        return self.bot_token


def load_settings(environ: Mapping[str, str] | None = None, env_file: Path | None = Path(".env")) -> Settings:
    """The environment wins over .env; a malformed value raises SettingsError naming it."""
    values: dict[str, str] = {}
    if env_file is not None and env_file.is_file():
        values.update({k: v for k, v in dotenv_values(env_file).items() if v is not None})
    values.update(os.environ if environ is None else environ)

    def get(name: str) -> str | None:
        value = values.get(name, "").strip()
        return value or None

    coordinators: set[int] = set()
    for item in (get("FRONTDOOR_COORDINATORS") or "").split(","):
        if item.strip():
            if not item.strip().lstrip("-").isdigit():
                raise SettingsError(f"FRONTDOOR_COORDINATORS: {item.strip()!r} is not a Telegram user id (a number)")
            coordinators.add(int(item))
    api_url = (get("FRONTDOOR_TELEGRAM_API_URL") or DEFAULT_API_URL).rstrip("/")
    if not api_url.startswith(("http://", "https://")):
        raise SettingsError(f"FRONTDOOR_TELEGRAM_API_URL must start with http:// or https://, not {api_url!r}")
    database_url = get("FRONTDOOR_DATABASE_URL") or DEFAULT_DATABASE_URL
    if not database_url.startswith(("sqlite+aiosqlite://", "postgresql+asyncpg://")):
        raise SettingsError("FRONTDOOR_DATABASE_URL must start with sqlite+aiosqlite:// or postgresql+asyncpg://")
    program_file = get("FRONTDOOR_PROGRAM_FILE")
    locales_dir = get("FRONTDOOR_LOCALES_DIR")
    if locales_dir and not Path(locales_dir).is_dir():
        raise SettingsError(f"FRONTDOOR_LOCALES_DIR: {locales_dir} is not a folder")
    return Settings(
        bot_token=get("FRONTDOOR_BOT_TOKEN"),
        telegram_api_url=api_url,
        database_url=database_url,
        coordinators=frozenset(coordinators),
        program_file=Path(program_file) if program_file else None,
        locales_dir=Path(locales_dir) if locales_dir else None,
    )
