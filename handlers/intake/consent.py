"""Asking again for consent when the privacy terms changed, before anything new is collected.

Its button: AgreeToNewTerms (handlers.intake.buttons).
Someone who agreed to an earlier version of their form's consent text is shown the new one
whatever they send, except what collects nothing: help, their data, erasing it, the language,
their status, and stopping a registration. Agreeing records the new version, language and time
and takes them back where they were.
"""

from __future__ import annotations

from typing import Final

from handlers.core.events import Button, Event, EventKind, Reply
from handlers.core.model import Participant, Step
from handlers.core.ports import Context, Office
from handlers.core.render import chosen
from handlers.core.translator import Translator, language_shown
from handlers.intake import conversation
from handlers.intake.buttons import AgreeToNewTerms, ChooseLanguage, StopRegistering
from handlers.meetings import follow_ups
from handlers.privacy.buttons import EraseMyData, KeepMyData

COLLECTS_NOTHING: Final = frozenset({"help", "mydata", "delete", "language", "status", "cancel"})
# Buttons that store nothing new: choosing a language, erasing one's data, stopping the registration.
BUTTONS_COLLECTING_NOTHING: Final = (ChooseLanguage, EraseMyData, KeepMyData, StopRegistering)


def _outdated(person: Participant, ctx: Context) -> bool:
    return person.consent_version != ctx.program.forms[person.role.value].consent.version


async def check(event: Event, ctx: Context, office: Office) -> list[Reply] | None:
    """Replies when this event must wait for the person's consent to new terms; None to go on."""
    if ctx.conversation.participant_id is None:
        return None
    pressed = event.text if event.kind is EventKind.CHOICE else ""
    if event.kind is EventKind.COMMAND and event.text in COLLECTS_NOTHING:
        return None
    if any(kind.unpack(pressed) for kind in BUTTONS_COLLECTING_NOTHING):
        return None
    person = await ctx.participants.get(ctx.conversation.participant_id)
    if person is None or not _outdated(person, ctx):
        return None
    t = ctx.translations(ctx.conversation.language or ctx.program.default_language)
    answer = AgreeToNewTerms.unpack(pressed)
    if answer is not None:
        return await _answer(answer.agreed, person, t, ctx, office)
    intro = t.gettext(
        "We have updated how we handle your information. Please read the new terms: we need your "
        "agreement before we go on."
    )
    return [Reply(intro), _question(person, t, ctx)]


def _question(person: Participant, t: Translator, ctx: Context) -> Reply:
    consent = ctx.program.forms[person.role.value].consent
    return Reply(
        t.gettext(consent.text),
        buttons=(
            (
                Button(t.pgettext("consent", "I agree"), AgreeToNewTerms(agreed=True).pack()),
                Button(t.pgettext("consent", "Not now"), AgreeToNewTerms(agreed=False).pack()),
            ),
        ),
    )


async def _answer(agreed: bool, person: Participant, t: Translator, ctx: Context, office: Office) -> list[Reply]:
    consent = ctx.program.forms[person.role.value].consent
    text = t.gettext(consent.text)
    if not agreed:
        later = t.gettext(
            "No problem: we will not collect anything new. What you gave us before stays under the terms "
            "you agreed to then; send /delete if you would like it erased, or /start when you are ready."
        )
        return [chosen(text, t.pgettext("consent", "Not now"), t), Reply(later)]
    await ctx.participants.agree(person, consent.version, language_shown(t, consent.text), ctx.now)
    replies = [chosen(text, t.pgettext("consent", "I agree"), t), Reply(t.gettext("Thank you! Let us go on."))]
    if ctx.conversation.step is Step.DONE:
        return replies + await follow_ups.open_question(office, person)
    return replies + await conversation.show_step(t, ctx)
