"""Typed answers where buttons are shown: a label, a button's number or a yes is taken as the press.

People type what they see ("Kitchener", "oui", "2") instead of tapping, or cannot tap (a terminal,
a phone's accessibility reader). The step is shown again, as it stands, to know its buttons; a text
that names one of them is answered as that button pressed, by the same route. Under tick boxes,
several numbers in one message ("1, 3", "١ ٣") tick each of those boxes: WhatsApp's list takes one
tap at a time, and typing the numbers is quicker than coming back to the list for each.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import replace
from typing import Final

from handlers.core.buttons import Pressed, Route, answer, fold, near, read, typed_press, typed_words
from handlers.core.events import Button, Event, Reply
from handlers.core.fitting import unedited
from handlers.core.ports import Context
from handlers.core.translator import N_, Translator
from handlers.intake.buttons import Tick
from handlers.intake.near_misses import DID_YOU_MEAN
from handlers.intake.steps import show_step

NO_SUCH_BOX: Final = N_(
    "There is no choice {number} here. To tick several at once, type their numbers from 1 to {last}, such as “1 3”."
)


async def as_pressed(
    event: Event, t: Translator, ctx: Context, routes: Sequence[Route[Pressed, list[Reply]]]
) -> list[Reply] | None:
    """The replies to the button `event`'s text names, as if pressed; None when it names none."""
    shown = next((reply for reply in reversed(await show_step(t, ctx)) if reply.buttons), None)
    if shown is None:
        return None
    numbers = typed_numbers(event.text)
    if numbers is not None and _boxes(shown.buttons, routes):
        return await _tick_each(numbers, shown, Pressed(event.user_id, t, ctx), routes)
    data = typed_press(event.text, shown.buttons, routes, typed_words(ctx))
    button = read(data, routes) if data else None
    replies = await answer(button, routes, Pressed(event.user_id, t, ctx)) if button else None
    if replies is not None:
        return [unedited(reply) for reply in replies]  # new messages: there is no pressed message to edit
    return _did_you_mean(event.text, shown.buttons, t)


def typed_numbers(text: str) -> list[int] | None:
    """The numbers of a message that is two or more numbers and nothing else, in any script's digits
    and with any separator ("1, 3", "1 3", "١، ٣"); None for anything else (one number is a press)."""
    words = fold(text).split()
    if len(words) < 2 or not all(word.isdecimal() for word in words):
        return None
    return [int(word) for word in words]


def _boxes(rows: Sequence[Sequence[Button]], routes: Sequence[Route[Pressed, list[Reply]]]) -> list[Tick | None]:
    """Each button in reading order, as the tick box it is (None: Done, Skip…); empty without boxes."""
    shown = [read(button.data, routes) for row in rows for button in row]
    boxes = [button if isinstance(button, Tick) else None for button in shown]
    return boxes if any(boxes) else []


async def _tick_each(
    numbers: list[int], shown: Reply, pressed: Pressed, routes: Sequence[Route[Pressed, list[Reply]]]
) -> list[Reply]:
    """Each numbered box ticked (never unticked: a box already ticked stays so); a number that is no
    box said kindly, the others ticked all the same; then the question once, as it now stands."""
    boxes = _boxes(shown.buttons, routes)
    ticked = [box for n in numbers if 1 <= n <= len(boxes) and (box := boxes[n - 1]) is not None]
    missing = [n for n in numbers if not 1 <= n <= len(boxes) or boxes[n - 1] is None]
    question = [shown]
    for box in dict.fromkeys(ticked):
        question = await answer(replace(box, on=True), routes, pressed) or question
    # The whole question again, every page of it, not the one holding the last box ticked.
    again = [replace(unedited(reply), focus=None) for reply in question]
    if not missing:
        return again
    last = sum(1 for box in boxes if box is not None)
    said = pressed.t.gettext(NO_SUCH_BOX).format(number=missing[0], last=last)
    return [Reply(said), *again]


def _did_you_mean(text: str, rows: Sequence[Sequence[Button]], t: Translator) -> list[Reply] | None:
    """A label missed by a letter ("Kitchner"): asked, with that one button to press, never taken
    behind the person's back (handlers.intake.near_misses)."""
    labels = [button for row in rows for button in row]
    index = near(fold(text), [fold(button.label) for button in labels])
    if index is None:
        return None
    meant = labels[index]
    return [Reply(t.gettext(DID_YOU_MEAN).format(answer=meant.label), buttons=((meant,),))]
