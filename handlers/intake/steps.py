"""Where a registration stands, and showing it again: the welcome's and the form's open step, the
prompts of /start and /cancel during an intake, and going back to what a prompt interrupted.

Apart from the conversation's routing (handlers.intake.conversation) so that the flows that interrupt
an intake (new terms, a person's data) can show the step again without importing the router.
"""

from __future__ import annotations

from typing import Final

from handlers.core.bidi import for_reader
from handlers.core.events import Reply
from handlers.core.model import Conversation, Participant, Step
from handlers.core.ports import Context
from handlers.core.translator import Translator
from handlers.intake import changes, questioning, status, welcome
from handlers.intake.answers import TYPE_YOUR_ANSWER
from handlers.intake.buttons import Resume, StartOver, StopRegistering

PROMPTS: Final = (Step.RESUME, Step.CANCEL, Step.START_OVER)
"""The questions that interrupt an intake (/start, /cancel, Start over); answered, it carries on."""


async def start(t: Translator, ctx: Context) -> list[Reply]:
    conversation = ctx.conversation
    if underlying_step(conversation) is Step.DONE:
        conversation.step, conversation.paused_step = Step.DONE, None
        return [Reply(t.gettext("You are already registered, thank you! Send /status to see your registration."))]
    if intake_under_way(conversation) and await changes.submitted_participant(ctx):
        return [changes.reminder(t), *await return_to_paused_or_here(t, ctx)]
    if intake_under_way(conversation):
        participant = await questioning.participant_of(ctx)
        if conversation.step in (Step.QUESTION, Step.OTHER, Step.REVIEW):
            conversation.paused_step = conversation.step
        conversation.step = Step.RESUME
        count = questioning.answered_count(participant)
        text = t.ngettext(
            "You have a registration in progress with {count} answer saved. "
            "Would you like to continue where you left off, or start over?",
            "You have a registration in progress with {count} answers saved. "
            "Would you like to continue where you left off, or start over?",
            count,
        ).format(count=count)
        return [
            welcome.choose(
                text,
                (t.gettext("Continue"), Resume(carry_on=True).pack()),
                (t.gettext("Start over (delete my answers)"), Resume(carry_on=False).pack()),
            )
        ]
    reset(conversation)
    conversation.step = Step.LANGUAGE
    greeting = t.gettext(
        "{program}\nWelcome! I help newcomers meet local professionals for a 30-minute conversation "
        "about work in their field.\n\nWhich language would you like to use?"
    ).format(program=for_reader(ctx.program.name_for(t), t.language))
    return [welcome.language_question(t, ctx, greeting)]


async def cancel(t: Translator, ctx: Context) -> list[Reply]:
    conversation = ctx.conversation
    if underlying_step(conversation) is Step.DONE:
        conversation.step, conversation.paused_step = Step.DONE, None
        return [
            Reply(
                t.gettext(
                    "Your registration is submitted, so there is nothing in progress to cancel. Send /status to see it."
                )
            )
        ]
    if not intake_under_way(conversation):
        reset(conversation)
        return [Reply(t.gettext("Stopped. Nothing about you has been stored. Send /start whenever you are ready."))]
    if await changes.submitted_participant(ctx):
        return [changes.reminder(t), *await return_to_paused_or_here(t, ctx)]
    participant = await questioning.participant_of(ctx)
    if conversation.step not in (*PROMPTS, Step.LANGUAGE):
        conversation.paused_step = conversation.step
    conversation.step = Step.CANCEL
    count = questioning.answered_count(participant)
    text = t.ngettext(
        "Stop registering and delete the {count} answer you gave so far?",
        "Stop registering and delete the {count} answers you gave so far?",
        count,
    ).format(count=count)
    return [_delete_or_not(t, text, t.gettext("Yes, stop and delete"), StopRegistering)]


async def start_over(t: Translator, ctx: Context) -> list[Reply]:
    """ "Start over" pressed: say how many answers go, and ask first, as /cancel does."""
    conversation = ctx.conversation
    conversation.step = Step.START_OVER
    count = questioning.answered_count(await questioning.participant_of(ctx))
    text = t.ngettext(
        "Start over and delete the {count} answer you gave so far?",
        "Start over and delete the {count} answers you gave so far?",
        count,
    ).format(count=count)
    return [_delete_or_not(t, text, t.gettext("Yes, delete and start over"), StartOver)]


def _delete_or_not(t: Translator, text: str, yes: str, kind: type[StartOver | StopRegistering]) -> Reply:
    """Delete the answers given so far? (/cancel, Start over): Yes, or "No, continue"."""
    return welcome.choose(
        text, (yes, kind(confirmed=True).pack()), (t.gettext("No, continue"), kind(confirmed=False).pack())
    )


async def return_to_paused_or_here(t: Translator, ctx: Context) -> list[Reply]:
    """The step a prompt interrupted, shown again; or the open step, if none did."""
    if ctx.conversation.step in (*PROMPTS, Step.LANGUAGE):
        return await return_to_paused(t, ctx)
    return await show_step(t, ctx)


async def return_to_paused(t: Translator, ctx: Context) -> list[Reply]:
    conversation = ctx.conversation
    conversation.step = conversation.paused_step or Step.IDLE
    conversation.paused_step = None
    return await show_step(t, ctx)


async def show_step(t: Translator, ctx: Context) -> list[Reply]:
    """Show the current step again: after a language change, a kept intake or a wrong answer."""
    conversation = ctx.conversation
    step = conversation.step
    if step is Step.ROLE:
        return [welcome.role_question(t)]
    if step is Step.CONSENT:
        return [welcome.consent_question(t, ctx)]
    if step in (Step.QUESTION, Step.OTHER, Step.REVIEW):
        return reask(t, ctx, await questioning.participant_of(ctx))
    if step is Step.DONE:
        return [await status.status(t, ctx)]
    if step is Step.LANGUAGE:
        return [welcome.language_question(t, ctx, t.gettext(welcome.LANGUAGE_QUESTION))]
    if step is Step.RESUME:
        return await start(t, ctx)
    if step is Step.CANCEL:
        return await cancel(t, ctx)
    if step is Step.START_OVER:
        return await start_over(t, ctx)
    return [Reply(t.gettext("Send /start to begin."))]


def reask(t: Translator, ctx: Context, participant: Participant) -> list[Reply]:
    conversation = ctx.conversation
    if conversation.step is Step.REVIEW:
        return [questioning.show_review(t, ctx, participant)]
    if conversation.step is Step.OTHER:
        return [Reply(t.gettext(TYPE_YOUR_ANSWER))]
    question = questioning.form_of(ctx).question(conversation.question or "")
    return [questioning.ask(t, ctx, participant, question, editing=conversation.editing, keep_pending=True)]


def underlying_step(conversation: Conversation) -> Step:
    """The step a prompt (PROMPTS) or the language menu interrupted, else the step itself."""
    if conversation.step in (*PROMPTS, Step.LANGUAGE) and conversation.paused_step is not None:
        return conversation.paused_step
    return conversation.step


def intake_under_way(conversation: Conversation) -> bool:
    return conversation.participant_id is not None and underlying_step(conversation) in (
        Step.QUESTION,
        Step.OTHER,
        Step.REVIEW,
    )


def reset(conversation: Conversation) -> None:
    """Back to the start; the language stays, it is no personal data and the person chose it."""
    conversation.step = Step.IDLE
    conversation.role = None
    conversation.participant_id = None
    conversation.question = None
    conversation.history = []
    conversation.pending = []
    conversation.editing = False
    conversation.paused_step = None
