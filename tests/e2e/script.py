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


# A volunteer's whole intake in English, the same on every channel (a tick: a box of a several-choice question).
CONNECTOR = [
    ("/start", "Which language would you like to use?"),
    ("press:English", "Are you new to the region"),
    ("press:I am a volunteer", "Do you agree?"),
    ("press:I agree", "What name would you like us to call you?"),
    ("Jordan", "Which organization do you work for?"),
    ("Region of Waterloo", "What is your job title?"),
    ("Planner", "Which industry sectors do you know well?"),
    ("tick:Government and public service", ""),
    ("press:Done", "Which languages do you speak?"),
    ("tick:English", ""),
    ("press:Done", "What can you offer a newcomer?"),
    ("tick:A job shadow", ""),
    ("press:Done", "When are you usually free"),
    ("tick:Mon am", ""),
    ("press:Done", "How would you like to meet?"),
    ("press:In person", "In which communities could you meet a newcomer in person?"),
    ("tick:Kitchener", ""),
    ("press:Done", "Where could you meet in person?"),
    ("Downtown Kitchener library", "How many newcomers could you meet each month?"),
    ("press:3", "What phone number can the newcomer you meet reach you on?"),
    ("press:Skip", "What is your e-mail address?"),
    ("jordan@example.org", "Please check your answers"),
    ("press:Submit", "Your registration as a volunteer is submitted."),
]
