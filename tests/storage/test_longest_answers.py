"""The longest answers a program allows, on Telegram: every message within its 4096 characters, and
none of the words lost when a pressed message is rewritten with more than one message holds."""

from __future__ import annotations

from dataclasses import replace

from handlers.core.program import Kind, Program, load_program
from tests.support.clock import NOW
from tests.support.world import world_on

TELEGRAM_TEXT: int = 4096


def with_long_text_answers(base: Program) -> Program:
    """The program with each typed question taking as much as a program file may allow (4000 characters)."""
    forms = {
        role: replace(
            form,
            questions=tuple(
                replace(question, max_length=4000) if question.kind is Kind.TEXT else question
                for question in form.questions
            ),
        )
        for role, form in base.forms.items()
    }
    return replace(base, forms=forms)


async def test_a_newcomer_who_submits_the_longest_answers_keeps_every_answer_on_screen(database_url: str) -> None:
    program = with_long_text_answers(load_program())
    # Each answer its own words, long enough that the record of them takes two messages.
    long_answers = {
        "name": "Amal " + "Haddad " * 300,
        "occupation": "Software developer " * 150,
    }
    async with world_on(database_url, NOW, program=program) as world:
        amal = world.phone(101)
        await world.register(amal, "connectee", long_answers, submit=False)
        before = len(amal.screen)

        await amal.click("Submit")

        assert all(len(message.text) <= TELEGRAM_TEXT for message in amal.screen)
        record = "\n".join(message.text for message in amal.screen[before - 1 : -1])
        assert "Please check your answers" not in record, "the review is rewritten as the record"
        for answer in long_answers.values():
            assert answer.strip() in record, "every answer whole, none lost to a second rewrite"
        assert amal.last.text.startswith("Thank you, Amal")
