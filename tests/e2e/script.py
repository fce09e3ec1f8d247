"""What a person does in an end-to-end test, one line of a script at a time.

Actions: "press:Label", "tick:Label" (a box of a several-choice question), "contact:+1…", or text
to type. Labels are written as the catalog has them; for a right-to-left reader the bot isolates
their Latin runs, so the press and the comparisons allow for it.
"""

from __future__ import annotations

from typing import Final

from handlers.core.bidi import FSI, PDI, is_rtl, isolate_latin
from tests.e2e.emulator import EmulatedUser

WAIT: Final = 30.0


def plain(text: str) -> str:
    """The text without the isolates a right-to-left reader's messages carry."""
    return text.replace(FSI, "").replace(PDI, "")


def act(user: EmulatedUser, action: str) -> None:
    """Do one thing, without waiting for the bot."""
    if action.startswith(("press:", "tick:")):
        label = action.partition(":")[2]
        user.press(isolate_latin(label) if is_rtl(user.language_code or "en") else label)
    elif action.startswith("contact:"):
        user.share_contact(action.removeprefix("contact:"))
    else:
        user.send(action)


async def answer(user: EmulatedUser, action: str, expect: str) -> None:
    """Do one thing and wait for the bot's reply containing `expect` (a tick: for the ticked box)."""
    seen = len(user.inbox)
    act(user, action)
    if action.startswith("tick:"):
        ticked = f"✅ {action.removeprefix('tick:')}"
        # A tick edits the question in place: wait for the ticked box, not a new message.
        await user.wait_for(lambda message: any(plain(b) == ticked for b in message.buttons()), timeout=WAIT)
        return
    await user.wait_for(lambda message: expect in plain(message.text), after=seen, timeout=WAIT)
