"""What a person does in an end-to-end test, one line of a script at a time (tests.e2e.person.Person).

Actions: "press:Label", "tick:Label" (a box of a several-choice question), "contact:+1…", or text
to type. Labels are written as the catalog has them; for a right-to-left reader the bot isolates
their Latin runs, so the press and the comparisons allow for it.
"""

from __future__ import annotations

from handlers.core.bidi import isolate_foreign
from tests.e2e.emulator import EmulatedUser
from tests.e2e.person import WAIT as WAIT
from tests.e2e.person import Person
from tests.support.driver import plain as plain  # the text without a right-to-left reader's isolates


def act(user: EmulatedUser, action: str) -> None:
    """Do one thing, without waiting for the bot (to queue several updates before it runs them)."""
    if action.startswith(("press:", "tick:")):
        label = action.partition(":")[2]
        user.press(isolate_foreign(label, user.language_code or "en"))
    elif action.startswith("contact:"):
        user.share_contact(action.removeprefix("contact:"))
    else:
        user.send(action)


async def answer(user: EmulatedUser | Person, action: str, expect: str) -> None:
    """Do one thing and wait for the bot's reply containing `expect` (a tick: for the ticked box)."""
    person = user if isinstance(user, Person) else Person(user)
    label = action.partition(":")[2]
    if action.startswith("tick:"):
        await person.tick(label)
    elif action.startswith("press:"):
        await person.click(label, expect=expect)
    elif action.startswith("contact:"):
        await person.share_contact(label, expect=expect)
    else:
        await person.send(action, expect=expect)
