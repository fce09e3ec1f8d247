"""Consent is recorded with its version, language and time; new terms are agreed to before anything new is kept."""

from __future__ import annotations

from dataclasses import replace
from pathlib import Path

from sqlalchemy import select

from handlers.core.model import Step
from handlers.core.program import Program, load_program
from storage.tables import AnswerRow, ConsentRow, ConsentTextRow, ParticipantRow
from tests.support.clock import NOW
from tests.support.personas import AMAL
from tests.support.world import World, world_on


def with_new_terms(program: Program, role: str, *, version: str | None = None) -> Program:
    """The program with `role`'s consent text changed (and, if given, its declared version)."""
    form = program.forms[role]
    consent = replace(
        form.consent,
        text=form.consent.text + "\nNew: we also share counts with our funder.",
        version=version or form.consent.version,
    )
    return replace(program, forms=program.forms | {role: replace(form, questions=(consent, *form.questions[1:]))})


async def consents(world: World) -> list[tuple[str, str]]:
    async with world.app.sessions() as session:
        return [(row.version, row.language) for row in (await session.execute(select(ConsentRow))).scalars()]


async def test_consent_is_stored_with_version_language_and_time(tmp_path: Path) -> None:
    async with world_on(f"sqlite+aiosqlite:///{tmp_path / 'fd.db'}", NOW) as world:
        amal = world.phone(101, "ar")
        await world.welcome(amal, "connectee")
        async with world.app.sessions() as session:
            row = (await session.execute(select(ParticipantRow))).scalar_one()
        assert (row.consent_version, row.consent_language, row.consented_at) == ("2026-12", "ar", NOW)
        assert await consents(world) == [("2026-12", "ar")]


async def test_a_changed_text_is_a_new_version_even_if_the_file_kept_the_old_one(tmp_path: Path) -> None:
    url = f"sqlite+aiosqlite:///{tmp_path / 'fd.db'}"
    async with world_on(url, NOW) as world:
        assert world.app.program.forms["connectee"].consent.version == "2026-12"
    async with world_on(url, NOW, program=with_new_terms(load_program(), "connectee")) as world:
        assert world.app.program.forms["connectee"].consent.version == "2026-12.2"
        assert world.app.program.forms["connector"].consent.version == "2026-12", "its text did not change"
    async with world_on(url, NOW, program=with_new_terms(load_program(), "connectee")) as world:
        assert world.app.program.forms["connectee"].consent.version == "2026-12.2", "a restart keeps the number"
        async with world.app.sessions() as session:
            texts = list((await session.execute(select(ConsentTextRow).order_by(ConsentTextRow.id))).scalars())
    assert [(row.role, row.version) for row in texts] == [
        ("connectee", "2026-12"),
        ("connector", "2026-12"),
        ("connectee", "2026-12.2"),
    ]
    assert texts[2].text.endswith("New: we also share counts with our funder."), "the words agreed to are kept"


async def test_people_who_agreed_to_older_terms_are_asked_again_before_anything_new_is_kept(tmp_path: Path) -> None:
    url = f"sqlite+aiosqlite:///{tmp_path / 'fd.db'}"
    async with world_on(url, NOW) as world:
        amal = world.phone(101)
        await world.welcome(amal, "connectee")
        await amal.send(AMAL["name"])  # the first question, then she stops for the day
    new_terms = with_new_terms(load_program(), "connectee", version="2027-01")
    async with world_on(url, NOW, program=new_terms, first_update=1000) as world:
        amal = world.phone(101)
        await amal.send("Kitchener")  # typed, to the community question left open yesterday
        assert amal.screen[-2].text == (
            "We have updated how we handle your information. Please read the new terms: "
            "we need your agreement before we go on."
        )
        assert amal.last.text.endswith("New: we also share counts with our funder.")
        assert amal.last.labels() == ["I agree", "Not now"]
        async with world.app.sessions() as session:
            stored = list((await session.execute(select(AnswerRow.question_key))).scalars())
        assert stored == ["name"], "the typed answer waits for her consent"

        await amal.send("/status")  # what collects nothing goes on as before
        assert "Your registration is in progress" in amal.last.text

        await amal.click("Not now")
        assert amal.last.text.startswith("No problem: we will not collect anything new.")
        await amal.send("/start")  # she changes her mind: the new terms again
        await amal.click("I agree")
        assert amal.screen[-2].text == "Thank you! Let us go on."
        assert amal.last.text == "Question 2 of 16\n\nWhich community do you live in?", "back where she was"
        assert await consents(world) == [("2026-12", "en"), ("2027-01", "en")], "the first agreement stays on record"
        assert (await world.open_question(amal)) == (Step.QUESTION, "community")

        await amal.click("Kitchener")
        async with world.app.sessions() as session:
            stored = list(
                (await session.execute(select(AnswerRow.question_key).order_by(AnswerRow.question_key))).scalars()
            )
        assert stored == ["community", "name"]
