"""Typed answers where buttons are shown: a label, a button's number or a yes is taken as the press.

People type what they see ("Kitchener", "oui", "2") instead of tapping, or cannot tap (a terminal,
a phone's accessibility reader). The step is shown again, as it stands, to know its buttons; a text
that names one of them is answered as that button pressed, by the same route.
"""

from __future__ import annotations

from collections.abc import Sequence

from handlers.core.buttons import Pressed, Route, answer, fold, near, read, typed_press, typed_words
from handlers.core.events import Button, Event, Reply
from handlers.core.fitting import unedited
from handlers.core.ports import Context
from handlers.core.translator import Translator
from handlers.intake.near_misses import DID_YOU_MEAN
from handlers.intake.steps import show_step


async def as_pressed(
    event: Event, t: Translator, ctx: Context, routes: Sequence[Route[Pressed, list[Reply]]]
) -> list[Reply] | None:
    """The replies to the button `event`'s text names, as if pressed; None when it names none."""
    shown = next((reply for reply in reversed(await show_step(t, ctx)) if reply.buttons), None)
    if shown is None:
        return None
    data = typed_press(event.text, shown.buttons, routes, typed_words(ctx))
    button = read(data, routes) if data else None
    replies = await answer(button, routes, Pressed(event.user_id, t, ctx)) if button else None
    if replies is not None:
        return [unedited(reply) for reply in replies]  # new messages: there is no pressed message to edit
    return _did_you_mean(event.text, shown.buttons, t)


def _did_you_mean(text: str, rows: Sequence[Sequence[Button]], t: Translator) -> list[Reply] | None:
    """A label missed by a letter ("Kitchner"): asked, with that one button to press, never taken
    behind the person's back (handlers.intake.near_misses)."""
    labels = [button for row in rows for button in row]
    index = near(fold(text), [fold(button.label) for button in labels])
    if index is None:
        return None
    meant = labels[index]
    return [Reply(t.gettext(DID_YOU_MEAN).format(answer=meant.label), buttons=((meant,),))]
