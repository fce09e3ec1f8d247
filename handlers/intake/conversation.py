"""The conversation's entry point: commands, the welcome (language, role, consent) and routing.

The front desk (handlers.front_desk) passes `handle(event, ctx)` whatever is not a program
button or a coordinator's command. Its buttons (handlers.intake.buttons) are routed by `ROUTES`, the
welcome's here and the form's in handlers.intake.questioning. A button that belongs to no open step
is stale: it changes nothing and says so in a toast.
"""

from __future__ import annotations

from typing import Final

from handlers.core.bidi import for_reader
from handlers.core.buttons import Pressed, Route, answer, read, route
from handlers.core.events import Event, EventKind, Outcome, Reply
from handlers.core.model import Role, Status, Step
from handlers.core.ports import Context
from handlers.core.render import chosen
from handlers.core.terms import consent_text
from handlers.core.translator import N_, Translator, language_shown, native_name, negotiate_language
from handlers.intake import changes, questioning, status, submitting, typed, welcome
from handlers.intake.answers import TAP_A_BUTTON
from handlers.intake.buttons import (
    AgreeToTerms,
    ChooseLanguage,
    ChooseRole,
    ChooseTimeZone,
    FinishEditing,
    Resume,
    StartOver,
    StopRegistering,
    Submit,
)
from handlers.intake.steps import PROMPTS, cancel, reask, reset, return_to_paused, show_step, start, start_over

ROLES: Final = frozenset(role.value for role in Role)
EXPIRED: Final = N_("This button has expired.")
COMMANDS: Final = {
    "start": N_("Register, or continue where you left off"),
    "back": N_("Go back to the previous question"),
    "cancel": N_("Stop registering"),
    "language": N_("Change the language"),
    "status": N_("What I registered and where it stands"),
    "timezone": N_("The time zone of my meeting times"),
    "edit": N_("Change my answers after submitting"),
    "mydata": N_("See everything stored about me"),
    "delete": N_("Erase my data"),
    "contact": N_("Talk to a person: write to the program's team"),
    "link": N_("Use my registration from another messaging app too"),
    "help": N_("What this bot does and how to use it"),
}


async def handle(event: Event, ctx: Context) -> Outcome:
    """Handle one event: update ctx.conversation (and the store through ctx's ports), return replies."""
    conversation = ctx.conversation
    if conversation.language is None:
        conversation.language = (
            negotiate_language(event.language_code, ctx.program.languages) or ctx.program.default_language
        )
    t = ctx.translations(conversation.language)
    if event.kind is EventKind.COMMAND:
        replies: list[Reply] | None = await _on_command(event.text, t, ctx)
    elif event.kind is EventKind.CHOICE:
        button = read(event.text, ROUTES)
        replies = await answer(button, ROUTES, Pressed(event.user_id, t, ctx)) if button else None
    else:
        replies = await _on_message(event, t, ctx)
    if replies is None:
        return Outcome(notice=t.gettext(EXPIRED))
    return Outcome(replies)


# ---------------------------------------------------------------- commands


async def _on_command(command: str, t: Translator, ctx: Context) -> list[Reply]:
    conversation = ctx.conversation
    if command == "start":
        return await start(t, ctx)
    if command == "help":
        return [_help(t, ctx)]
    if command == "language":
        if conversation.step in PROMPTS:
            # The open prompt is dropped; the language menu returns to what it interrupted.
            conversation.step = conversation.paused_step or Step.IDLE
        if conversation.step is not Step.LANGUAGE:
            conversation.paused_step = conversation.step
        conversation.step = Step.LANGUAGE
        return [welcome.language_question(t, ctx, t.gettext(welcome.LANGUAGE_QUESTION))]
    if command == "status":
        return [await status.status(t, ctx)]
    if command == "timezone":
        return [await status.time_zone_question(t, ctx)]
    if command == "edit":
        return await changes.begin(t, ctx)
    if command == "back":
        return await _on_back(t, ctx)
    if command == "cancel":
        return await cancel(t, ctx)
    return [Reply(t.gettext("Sorry, I do not know that command. Send /help to see what I can do."))]


def _help(t: Translator, ctx: Context) -> Reply:
    lines = [
        t.gettext(
            "{program}\nWe introduce newcomers to local professionals for one 30-minute conversation. "
            "Register here by answering a few questions; most answers are a tap on a button."
        ).format(program=for_reader(ctx.program.name_for(t), t.language))
    ]
    lines += [
        t.gettext("/{command}: {description}").format(command=c, description=t.gettext(d)) for c, d in COMMANDS.items()
    ]
    return Reply("\n".join(lines))


async def _on_back(t: Translator, ctx: Context) -> list[Reply]:
    conversation = ctx.conversation
    step = conversation.step
    if step in PROMPTS or (step is Step.LANGUAGE and conversation.paused_step not in (None, Step.IDLE)):
        return await return_to_paused(t, ctx)
    if step is Step.ROLE:
        conversation.step = Step.LANGUAGE
        return [welcome.language_question(t, ctx, t.gettext(welcome.LANGUAGE_QUESTION))]
    if step is Step.CONSENT:
        conversation.step = Step.ROLE
        return [welcome.role_question(t)]
    if step in (Step.QUESTION, Step.OTHER, Step.REVIEW):
        participant = await questioning.participant_of(ctx)
        if conversation.editing or participant.status is not Status.IN_PROGRESS:
            # From an answer being changed, back to the review; a submitted one's (/edit) keeps its history
            # of changed answers for the coordinators.
            return [questioning.show_review(t, ctx, participant)]
        history = [key for key in conversation.history if key != conversation.question]
        if not history:
            return [
                Reply(t.gettext("This is the first question.")),
                *reask(t, ctx, participant),
            ]
        previous = history.pop()
        conversation.history = history
        form = questioning.form_of(ctx)
        return [questioning.ask(t, ctx, participant, form.question(previous), editing=False)]
    return [Reply(t.gettext("There is no earlier question. Send /start to begin."))]


# ---------------------------------------------------------------- buttons


async def _on_language(button: ChooseLanguage, pressed: Pressed) -> list[Reply] | None:
    ctx, code = pressed.ctx, button.language
    conversation = ctx.conversation
    if conversation.step is not Step.LANGUAGE or code not in ctx.program.languages:
        return None
    conversation.language = code
    if conversation.participant_id is not None:
        participant = await ctx.participants.get(conversation.participant_id)
        if participant is not None:
            participant.language = code
            await ctx.participants.update(participant, ctx.now)
    t = ctx.translations(code)
    replies = [chosen(t.gettext(welcome.LANGUAGE_QUESTION), native_name(code), t)]
    if conversation.paused_step in (None, Step.IDLE, Step.LANGUAGE):
        conversation.paused_step = None
        conversation.step = Step.ROLE
        return replies + [welcome.role_question(t)]
    return replies + await return_to_paused(t, ctx)


async def _on_role(button: ChooseRole, pressed: Pressed) -> list[Reply] | None:
    t, ctx = pressed.t, pressed.ctx
    conversation = ctx.conversation
    if conversation.step is not Step.ROLE or button.role not in ROLES:
        return None
    role = Role(button.role)
    conversation.role = role
    conversation.step = Step.CONSENT
    question = t.gettext(welcome.ROLE_QUESTION)
    return [chosen(question, t.gettext(welcome.ROLE_LABELS[role]), t), welcome.consent_question(t, ctx)]


async def _on_consent(button: AgreeToTerms, pressed: Pressed) -> list[Reply] | None:
    t, ctx, agreed = pressed.t, pressed.ctx, button.agreed
    conversation = ctx.conversation
    if conversation.step is not Step.CONSENT:
        return None
    assert conversation.role is not None
    consent = ctx.program.forms[conversation.role.value].consent
    text = consent_text(t, ctx.program.forms[conversation.role.value])
    if not agreed:
        reset(conversation)
        return [
            chosen(text, t.pgettext("consent", "Not now"), t),
            Reply(t.gettext("No problem: nothing about you has been stored. Send /start whenever you are ready.")),
        ]
    participant = await ctx.participants.create(
        conversation,
        role=conversation.role,
        language=t.language,
        consent_version=consent.version,
        now=ctx.now,
        consent_language=language_shown(t, consent.text),
    )
    conversation.participant_id = participant.id
    conversation.history = []
    return [chosen(text, t.pgettext("consent", "I agree"), t), *questioning.advance(t, ctx, participant)]


async def _on_resume(button: Resume, pressed: Pressed) -> list[Reply] | None:
    t, ctx = pressed.t, pressed.ctx
    if ctx.conversation.step is not Step.RESUME:
        return None
    if button.carry_on:
        return await return_to_paused(t, ctx)
    return await start_over(t, ctx)


async def _on_start_over(button: StartOver, pressed: Pressed) -> list[Reply] | None:
    if not await _deleted(button.confirmed, Step.START_OVER, pressed):
        return await _not_deleted(button.confirmed, Step.START_OVER, pressed)
    conversation = pressed.ctx.conversation
    role = conversation.role
    reset(conversation)
    conversation.step, conversation.role = Step.ROLE, role
    return [
        Reply(pressed.t.gettext("Your earlier answers are deleted. Let us start again."), edit=True),
        welcome.role_question(pressed.t),
    ]


async def _on_cancel_answer(button: StopRegistering, pressed: Pressed) -> list[Reply] | None:
    if not await _deleted(button.confirmed, Step.CANCEL, pressed):
        return await _not_deleted(button.confirmed, Step.CANCEL, pressed)
    reset(pressed.ctx.conversation)
    text = pressed.t.gettext("Stopped, and your answers are deleted. Send /start whenever you want to begin again.")
    return [Reply(text, edit=True)]


async def _deleted(confirmed: bool, asked_at: Step, pressed: Pressed) -> bool:
    """Yes to "delete the answers?" (/cancel, Start over), asked at `asked_at`: the answers are deleted."""
    ctx = pressed.ctx
    if not confirmed or ctx.conversation.step is not asked_at:
        return False
    await ctx.participants.delete(await questioning.participant_of(ctx))
    return True


async def _not_deleted(confirmed: bool, asked_at: Step, pressed: Pressed) -> list[Reply] | None:
    """No: back to where they were; None for a stale button (the question is no longer open)."""
    if confirmed or pressed.ctx.conversation.step is not asked_at:
        return None
    return await return_to_paused(pressed.t, pressed.ctx)


# ---------------------------------------------------------------- typed messages


async def _on_message(event: Event, t: Translator, ctx: Context) -> list[Reply]:
    step = ctx.conversation.step
    if step is Step.IDLE:
        return await start(t, ctx)
    if step is Step.OTHER:
        return await questioning.on_other_text(event, t, ctx)
    if step is Step.DONE:
        return [
            Reply(
                t.gettext(
                    "Thank you, your registration is submitted. Send /status to see it, or /help to see what I can do."
                )
            )
        ]
    if step is Step.QUESTION and (event.kind is not EventKind.TEXT or questioning.takes_text(ctx)):
        return await questioning.on_question_event(event, t, ctx)
    if event.kind is EventKind.TEXT:
        pressed = await typed.as_pressed(event, t, ctx, ROUTES)
        if pressed is not None:
            return pressed
    if step is Step.QUESTION:
        return await questioning.on_question_event(event, t, ctx)
    if step is Step.CONSENT:
        # The terms are just above: a short pointer, not the whole text again.
        return [
            Reply(
                t.gettext("Please tap “{agree}” or “{not_now}” under the text above.").format(
                    agree=t.pgettext("consent", "I agree"), not_now=t.pgettext("consent", "Not now")
                )
            )
        ]
    return [Reply(t.gettext(TAP_A_BUTTON)), *await show_step(t, ctx)]


ROUTES: Final[tuple[Route[Pressed, list[Reply]], ...]] = (
    route(ChooseLanguage, _on_language),
    route(ChooseTimeZone, status.on_time_zone),
    route(ChooseRole, _on_role),
    route(AgreeToTerms, _on_consent),
    route(Resume, _on_resume),
    route(StartOver, _on_start_over),
    route(StopRegistering, _on_cancel_answer),
    *questioning.ROUTES,
    route(Submit, submitting.on_submit),
    route(FinishEditing, changes.on_finish),
)
