"""Whatever a person sends, in whatever order, the bot answers and stays consistent."""

from __future__ import annotations

import asyncio

from hypothesis import HealthCheck, event, given, settings
from hypothesis import strategies as st

from handlers.core.model import Role, Step
from handlers.core.program import load_program
from handlers.core.translator import native_name
from handlers.intake.welcome import ROLE_LABELS
from tests.support.chat import ChatClient

PROGRAM = load_program()
COMMANDS = ["/start", "/back", "/cancel", "/language", "/status", "/help", "/nonsense"]

press = st.tuples(st.just("button"), st.integers(min_value=0, max_value=40))
# Mostly button presses, so that runs get past the welcome into the questions and the review.
action = st.one_of(
    press,
    press,
    press,
    press,
    press,
    st.tuples(st.just("text"), st.text(max_size=300)),
    st.tuples(st.just("text"), st.sampled_from(["2020", "Amal", "a@example.com", "linkedin.com/in/a", "3"])),
    st.tuples(st.just("command"), st.sampled_from(COMMANDS)),
    st.tuples(st.just("forged"), st.text(alphabet="ast:doe_lmr0123456789abcdefghijklnpquvwxyz-", max_size=40)),
    st.tuples(st.just("contact"), st.sampled_from(["+15195550123", "15195550123", "12", "+999"])),
    st.tuples(st.just("photo"), st.just("")),
)


async def play(language: str, role: str | None, actions: list[tuple[str, object]]) -> None:
    chat = ChatClient(language_code=language)
    await chat.send("/start")
    if role is not None:  # half the runs start inside the intake, where most of the rules are
        await chat.click(native_name(language))
        await chat.click(chat.text(ROLE_LABELS[Role(role)]))
        await chat.click(chat.text("I agree", "consent"))
    for kind, value in actions:
        before = len(chat.screen), len(chat.notices)
        if kind == "text":
            await chat.send(str(value) or " ")
        elif kind == "command":
            await chat.send(str(value))
        elif kind == "button":
            buttons = [(message, label) for message in chat.screen[-2:] for label in message.labels()]
            if not buttons:
                continue
            message, label = buttons[int(value) % len(buttons)]  # type: ignore[call-overload]
            await chat.click(label, on=message)
        elif kind == "forged":
            await chat.press_forged(str(value), on=chat.screen[0])
        elif kind == "contact":
            await chat.share_contact(str(value))
        else:
            await chat.send_photo()
        answered = len(chat.screen) > before[0] or len(chat.notices) > before[1] or kind in ("button", "forged")
        assert answered, f"no answer to {kind} {value!r}"
        for message in chat.screen:
            assert len(message.text) <= 4096
        conversation = chat.conversation
        if conversation.step in (Step.QUESTION, Step.OTHER, Step.REVIEW):
            assert conversation.participant_id in chat.participants.rows, "an intake always has its registration"
        for participant in chat.participants.rows.values():
            name = participant.answers.get("name")
            assert name is None or (0 < len(name) <= 80 and "\x00" not in name and "\u202e" not in name)
    event(f"ended at {chat.conversation.step.value}")


@settings(max_examples=200, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(
    language=st.sampled_from(PROGRAM.languages),
    role=st.sampled_from([None, "connectee", "connector"]),
    actions=st.lists(action, max_size=80),
)
def test_any_sequence_of_messages_gets_answers_and_never_breaks_the_intake(
    language: str, role: str | None, actions: list[tuple[str, object]]
) -> None:
    asyncio.run(play(language, role, actions))
