"""Answer a whole intake in any language without knowing its words: by button data and by kind."""

from __future__ import annotations

from handlers.core.model import Step
from handlers.core.program import Kind
from tests.support.chat import ChatClient, Shown

TYPED = {
    Kind.TEXT: "John Smith",
    Kind.YEAR: "2021",
    Kind.EMAIL: "john@example.com",
    Kind.LINK: "linkedin.com/in/john-smith",
}


async def complete_intake(chat: ChatClient, language: str, role: str = "connectee") -> list[Shown]:
    """/start, pick `language` and `role`, agree, answer every question, stop at the review screen."""
    await chat.send("/start")
    await press(chat, f"lang:{language}")
    await press(chat, f"role:{role}")
    await press(chat, "consent:yes")
    form = chat.program.forms[role]
    while chat.conversation.step is Step.QUESTION:
        question = form.question(chat.conversation.question or "")
        if question.kind is Kind.PHONE:
            await chat.share_contact("+15195550123")
        elif question.kind in TYPED:
            await chat.send(TYPED[question.kind])
        elif question.kind is Kind.NUMBER:
            await press(chat, f"a:{question.key}:{question.minimum}")
        elif question.kind is Kind.CHOICE:
            await press(chat, f"a:{question.key}:{question.options[0].value}")
        else:
            await press(chat, f"t:{question.key}:{question.options[0].value}:1")
            await press(chat, f"d:{question.key}")
    assert chat.conversation.step is Step.REVIEW
    return chat.screen


async def press(chat: ChatClient, data: str) -> None:
    """Press the button with this callback data on the newest message that has it."""
    for message in reversed(chat.screen):
        if any(button.data == data for row in message.buttons for button in row):
            await chat.press_data(data, message.id)
            return
    raise LookupError(f"no button with data {data!r}; last message: {chat.last.text[:80]!r}")
