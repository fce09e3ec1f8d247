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
from handlers.core.model import Conversation, Participant, Role, Step
from handlers.core.ports import Context
from handlers.core.render import chosen
from handlers.core.translator import N_, Translator, language_shown, native_name, negotiate_language
from handlers.intake import questioning, status, welcome
from handlers.intake.answers import TAP_A_BUTTON, TYPE_YOUR_ANSWER
from handlers.intake.buttons import AgreeToTerms, ChooseLanguage, ChooseRole, ChooseTimeZone, Resume, StopRegistering

ROLES: Final = frozenset(role.value for role in Role)
EXPIRED: Final = N_("This button has expired.")
COMMANDS: Final = {
    "start": N_("Register, or continue where you left off"),
    "back": N_("Go back to the previous question"),
    "cancel": N_("Stop registering"),
    "language": N_("Change the language"),
    "status": N_("What I registered and where it stands"),
    "timezone": N_("The time zone of my meeting times"),
    "mydata": N_("See everything stored about me"),
    "delete": N_("Erase my data"),
    "contact": N_("Talk to a person: write to the program's team"),
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
        return await _on_start(t, ctx)
    if command == "help":
        return [_help(t, ctx)]
    if command == "language":
        if conversation.step in (Step.RESUME, Step.CANCEL):
            # The open prompt is dropped; the language menu returns to what it interrupted.
            conversation.step = conversation.paused_step or Step.IDLE
        if conversation.step is not Step.LANGUAGE:
            conversation.paused_step = conversation.step
        conversation.step = Step.LANGUAGE
        return [welcome.language_question(t, ctx, t.gettext("Which language would you like to use?"))]
    if command == "status":
        return [await status.status(t, ctx)]
    if command == "timezone":
        return [await status.time_zone_question(t, ctx)]
    if command == "back":
        return await _on_back(t, ctx)
    if command == "cancel":
        return await _on_cancel(t, ctx)
    return [Reply(t.gettext("Sorry, I do not know that command. Send /help to see what I can do."))]


async def _on_start(t: Translator, ctx: Context) -> list[Reply]:
    conversation = ctx.conversation
    if _underlying_step(conversation) is Step.DONE:
        conversation.step, conversation.paused_step = Step.DONE, None
        return [Reply(t.gettext("You are already registered, thank you! Send /status to see your registration."))]
    if _intake_under_way(conversation):
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
        "Welcome to {program}! I help newcomers meet local professionals for a 30-minute conversation "
        "about work in their field.\n\nWhich language would you like to use?"
    ).format(program=for_reader(ctx.program.name, t.language))
    return [welcome.language_question(t, ctx, greeting)]


def _help(t: Translator, ctx: Context) -> Reply:
    lines = [
        t.gettext(
            "{program} introduces newcomers to local professionals for one 30-minute conversation. "
            "Register here by answering a few questions; most answers are a tap on a button."
        ).format(program=for_reader(ctx.program.name, t.language))
    ]
    lines += [
        t.pgettext("help", "/{command}: {description}").format(command=c, description=t.gettext(d))
        for c, d in COMMANDS.items()
    ]
    return Reply("\n".join(lines))


async def _on_back(t: Translator, ctx: Context) -> list[Reply]:
    conversation = ctx.conversation
    step = conversation.step
    if step in (Step.RESUME, Step.CANCEL) or (
        step is Step.LANGUAGE and conversation.paused_step not in (None, Step.IDLE)
    ):
        return await _return_to_paused(t, ctx)
    if step is Step.ROLE:
        conversation.step = Step.LANGUAGE
        return [welcome.language_question(t, ctx, t.gettext("Which language would you like to use?"))]
    if step is Step.CONSENT:
        conversation.step = Step.ROLE
        return [welcome.role_question(t)]
    if step in (Step.QUESTION, Step.OTHER, Step.REVIEW):
        participant = await questioning.participant_of(ctx)
        if conversation.editing:
            return [questioning.show_review(t, ctx, participant)]
        history = [key for key in conversation.history if key != conversation.question]
        if not history:
            return [
                Reply(t.gettext("This is the first question.")),
                *_reask(t, ctx, participant),
            ]
        previous = history.pop()
        conversation.history = history
        form = questioning.form_of(ctx)
        return [questioning.ask(t, ctx, participant, form.question(previous), editing=False)]
    return [Reply(t.gettext("There is no earlier question. Send /start to begin."))]


async def _on_cancel(t: Translator, ctx: Context) -> list[Reply]:
    conversation = ctx.conversation
    if _underlying_step(conversation) is Step.DONE:
        conversation.step, conversation.paused_step = Step.DONE, None
        return [
            Reply(
                t.gettext(
                    "Your registration is submitted, so there is nothing in progress to cancel. Send /status to see it."
                )
            )
        ]
    if not _intake_under_way(conversation):
        reset(conversation)
        return [Reply(t.gettext("Stopped. Nothing about you has been stored. Send /start whenever you are ready."))]
    participant = await questioning.participant_of(ctx)
    if conversation.step not in (Step.RESUME, Step.CANCEL, Step.LANGUAGE):
        conversation.paused_step = conversation.step
    conversation.step = Step.CANCEL
    count = questioning.answered_count(participant)
    text = t.ngettext(
        "Stop registering and delete the {count} answer you gave so far?",
        "Stop registering and delete the {count} answers you gave so far?",
        count,
    ).format(count=count)
    return [
        welcome.choose(
            text,
            (t.gettext("Yes, stop and delete"), StopRegistering(confirmed=True).pack()),
            (t.gettext("No, continue"), StopRegistering(confirmed=False).pack()),
        )
    ]


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
    replies = [chosen(t.gettext("Which language would you like to use?"), native_name(code), t)]
    if conversation.paused_step in (None, Step.IDLE, Step.LANGUAGE):
        conversation.paused_step = None
        conversation.step = Step.ROLE
        return replies + [welcome.role_question(t)]
    return replies + await _return_to_paused(t, ctx)


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
    text = t.gettext(consent.text)
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
    conversation = ctx.conversation
    if conversation.step is not Step.RESUME:
        return None
    if button.carry_on:
        return await _return_to_paused(t, ctx)
    participant = await questioning.participant_of(ctx)
    await ctx.participants.delete(participant)
    role = conversation.role
    reset(conversation)
    conversation.step = Step.ROLE
    conversation.role = role
    return [
        Reply(t.gettext("Your earlier answers are deleted. Let us start again."), edit=True),
        welcome.role_question(t),
    ]


async def _on_cancel_answer(button: StopRegistering, pressed: Pressed) -> list[Reply] | None:
    t, ctx = pressed.t, pressed.ctx
    conversation = ctx.conversation
    if conversation.step is not Step.CANCEL:
        return None
    if not button.confirmed:
        return await _return_to_paused(t, ctx)
    participant = await questioning.participant_of(ctx)
    await ctx.participants.delete(participant)
    reset(conversation)
    return [
        Reply(
            t.gettext("Stopped, and your answers are deleted. Send /start whenever you want to begin again."),
            edit=True,
        )
    ]


async def _return_to_paused(t: Translator, ctx: Context) -> list[Reply]:
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
        return _reask(t, ctx, await questioning.participant_of(ctx))
    if step is Step.DONE:
        return [await status.status(t, ctx)]
    if step is Step.LANGUAGE:
        return [welcome.language_question(t, ctx, t.gettext("Which language would you like to use?"))]
    if step is Step.RESUME:
        return await _on_start(t, ctx)
    if step is Step.CANCEL:
        return await _on_cancel(t, ctx)
    return [Reply(t.gettext("Send /start to begin."))]


def _reask(t: Translator, ctx: Context, participant: Participant) -> list[Reply]:
    conversation = ctx.conversation
    if conversation.step is Step.REVIEW:
        return [questioning.show_review(t, ctx, participant)]
    if conversation.step is Step.OTHER:
        return [Reply(t.gettext(TYPE_YOUR_ANSWER))]
    question = questioning.form_of(ctx).question(conversation.question or "")
    return [questioning.ask(t, ctx, participant, question, editing=conversation.editing, keep_pending=True)]


# ---------------------------------------------------------------- typed messages


async def _on_message(event: Event, t: Translator, ctx: Context) -> list[Reply]:
    conversation = ctx.conversation
    step = conversation.step
    if step is Step.IDLE:
        return await _on_start(t, ctx)
    if step is Step.QUESTION:
        return await questioning.on_question_event(event, t, ctx)
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
    if step is Step.LANGUAGE:
        typed = event.text.strip().casefold()
        code = next((code for code in ctx.program.languages if native_name(code).casefold() == typed), None)
        if code is not None:
            return await _on_language(ChooseLanguage(code), Pressed(event.user_id, t, ctx)) or []
    return [Reply(t.gettext(TAP_A_BUTTON)), *await show_step(t, ctx)]


def _underlying_step(conversation: Conversation) -> Step:
    """The step a RESUME, CANCEL or LANGUAGE prompt interrupted, else the step itself."""
    if conversation.step in (Step.RESUME, Step.CANCEL, Step.LANGUAGE) and conversation.paused_step is not None:
        return conversation.paused_step
    return conversation.step


def _intake_under_way(conversation: Conversation) -> bool:
    return conversation.participant_id is not None and _underlying_step(conversation) in (
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


ROUTES: Final[tuple[Route[Pressed, list[Reply]], ...]] = (
    route(ChooseLanguage, _on_language),
    route(ChooseTimeZone, status.on_time_zone),
    route(ChooseRole, _on_role),
    route(AgreeToTerms, _on_consent),
    route(Resume, _on_resume),
    route(StopRegistering, _on_cancel_answer),
    *questioning.ROUTES,
)
