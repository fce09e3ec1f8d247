"""Answer a whole intake in any language without knowing its words: each question by its kind, each
button by the label the catalogs and the program file give it."""

from __future__ import annotations

from handlers.core.model import Role, Step
from handlers.core.program import Kind
from handlers.core.translator import native_name
from handlers.intake.screens import answer_label
from handlers.intake.welcome import ROLE_LABELS
from tests.support.chat import ChatClient
from tests.support.driver import Shown

TYPED = {
    Kind.TEXT: "John Smith",
    Kind.YEAR: "2021",
    Kind.EMAIL: "john@example.com",
    Kind.LINK: "linkedin.com/in/john-smith",
}


async def complete_intake(chat: ChatClient, language: str, role: str = "connectee") -> list[Shown]:
    """/start, pick `language` and `role`, agree, answer every question, stop at the review screen."""
    await chat.send("/start")
    await chat.click(native_name(language))
    await chat.click(chat.text(ROLE_LABELS[Role(role)]))
    await chat.click(chat.text("I agree", "consent"))
    form = chat.program.forms[role]
    t = chat.catalogs.translator(language)
    while chat.conversation.step is Step.QUESTION:
        question = form.question(chat.conversation.question or "")
        if question.kind is Kind.PHONE:
            await chat.share_contact("+15195550123")
        elif question.kind in TYPED:
            await chat.send(TYPED[question.kind])
        elif question.kind is Kind.NUMBER:
            await chat.click(answer_label(t, question, question.minimum))
        elif question.kind is Kind.CHOICE:
            await chat.click(answer_label(t, question, question.options[0].value))
        else:
            await chat.click(answer_label(t, question, question.options[0].value))
            await chat.click(chat.text("Done"))
    assert chat.conversation.step is Step.REVIEW
    return chat.screen
