"""A language the catalogs cannot show is never offered, and consent is recorded in the language actually read."""

from __future__ import annotations

from pathlib import Path

import pytest
from sqlalchemy import select

from handlers.core.program import DEFAULT_PROGRAM_FILE, load_program
from storage.tables import ConsentRow, ParticipantRow
from tests.security.test_consent import with_new_terms
from tests.support.clock import NOW
from tests.support.world import World, world_on
from tests.unit.test_cli import frontdoor


@pytest.mark.parametrize(
    "command",
    [["run"], ["chat", "--role", "connectee"], ["db", "upgrade"], ["jobs", "run"], ["export", "--out", "all.json"]],
)
def test_a_program_offering_german_without_a_german_catalog_is_refused_at_start(
    command: list[str], tmp_path: Path
) -> None:
    program = DEFAULT_PROGRAM_FILE.read_text(encoding="utf-8").replace(
        'languages = ["en", ', 'languages = ["de", "en", '
    )
    (tmp_path / "program.toml").write_text(program, encoding="utf-8")
    env = {
        "FRONTDOOR_PROGRAM_FILE": str(tmp_path / "program.toml"),
        "FRONTDOOR_DATABASE_URL": f"sqlite+aiosqlite:///{tmp_path / 'fd.db'}",
        "FRONTDOOR_BOT_TOKEN": "123456:AAAA-test",
        "FRONTDOOR_TELEGRAM_API_URL": "http://127.0.0.1:9",  # never reached: refused before
    }
    result = frontdoor(*command, cwd=tmp_path, env=env, stdin="/start\n")
    assert result.returncode == 2, result.stderr
    assert result.stderr.count("\n") == 1 and "Traceback" not in result.stderr, result.stderr
    assert "program.toml: [program] languages: no catalog for de in " in result.stderr
    assert not (tmp_path / "fd.db").exists(), "nothing was stored"


async def consent_languages(world: World, user_id: int) -> tuple[str | None, list[str]]:
    """The participant's consent language, and the language of each agreement on record."""
    async with world.app.sessions() as session:
        person = (await session.execute(select(ParticipantRow).where(ParticipantRow.user_id == user_id))).scalar_one()
        agreements = select(ConsentRow.language).where(ConsentRow.participant_id == person.id).order_by(ConsentRow.id)
        return person.consent_language, list((await session.execute(agreements)).scalars())


async def test_consent_is_recorded_in_the_language_whose_text_was_shown_not_the_one_the_reader_chose(
    database_url: str,
) -> None:
    """The newcomers' terms changed in the program file and are not translated yet; the volunteers' are."""
    program = with_new_terms(load_program(), "connectee", version="2027-01")
    async with world_on(database_url, NOW, program=program) as world:
        marc, sophie = world.phone(101, "fr"), world.phone(102, "fr")
        for person, role in ((marc, "connectee"), (sophie, "connector")):
            await world.welcome(person, role, agree=False)
        assert marc.last.text.endswith("New: we also share counts with our funder."), "shown in English"
        assert sophie.last.labels() == ["J'accepte", "Pas maintenant"] and "New:" not in sophie.last.text
        await marc.click(marc.text("I agree", "consent"))
        await sophie.click(sophie.text("I agree", "consent"))
        assert await consent_languages(world, 101) == ("en", ["en"])
        assert await consent_languages(world, 102) == ("fr", ["fr"])


async def test_new_terms_agreed_to_before_they_are_translated_are_recorded_as_read_in_english(
    database_url: str,
) -> None:
    async with world_on(database_url, NOW) as world:
        sophie = world.phone(101, "fr")
        await world.welcome(sophie, "connectee")
    new_terms = with_new_terms(load_program(), "connectee", version="2027-01")
    async with world_on(database_url, NOW, program=new_terms, first_update=1000) as world:
        sophie = world.phone(101, "fr")
        await sophie.send("Sophie")
        assert sophie.last.text.endswith("New: we also share counts with our funder.")
        await sophie.click(sophie.text("I agree", "consent"))
        assert await consent_languages(world, 101) == ("en", ["fr", "en"])
