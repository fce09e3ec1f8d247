"""/edit: a submitted registration's answers changed, on its review screen, until a meeting is agreed.

Each changed answer is saved as it is given, as during the intake; "Done" closes the change and sets
`ctx.edited` (the keys changed), for the front desk to tell the coordinators and re-check open proposals.
"""

from __future__ import annotations

from handlers.core.buttons import Pressed
from handlers.core.events import Reply
from handlers.core.model import Participant, Status, Step
from handlers.core.ports import Context
from handlers.core.render import summary
from handlers.core.translator import Translator
from handlers.intake import questioning
from handlers.intake.buttons import FinishEditing
from handlers.intake.status import EDITABLE


async def submitted_participant(ctx: Context) -> Participant | None:
    """The person's registration if it is submitted (their answers are changed by /edit, never deleted
    by Start over); None while it is in progress, or if there is none."""
    found = await ctx.participants.get(ctx.conversation.participant_id) if ctx.conversation.participant_id else None
    return found if found is not None and found.status is not Status.IN_PROGRESS else None


async def begin(t: Translator, ctx: Context) -> list[Reply]:
    """/edit: the review screen of a submitted registration, with Done instead of Submit."""
    conversation = ctx.conversation
    participant = await submitted_participant(ctx)
    if participant is None:
        return [Reply(t.gettext("There is no submitted registration to change. Send /start to register or go on."))]
    if participant.status not in EDITABLE:
        return [Reply(t.gettext("Your registration can no longer be changed here. Please ask a coordinator."))]
    conversation.paused_step = None
    if conversation.step is not Step.REVIEW and conversation.step is not Step.QUESTION:
        conversation.history = []  # from here on: the answers changed, for the coordinators
    return [questioning.show_review(t, ctx, participant)]


def reminder(t: Translator) -> Reply:
    """/start or /cancel while a submitted registration is being changed: nothing is deleted."""
    return Reply(
        t.gettext("You are changing your submitted registration. Tap “Done” under your answers when you have finished.")
    )


async def on_finish(button: FinishEditing, pressed: Pressed) -> list[Reply] | None:
    """Done under the review of a submitted registration: the changes are closed; None when stale."""
    t, ctx = pressed.t, pressed.ctx
    conversation = ctx.conversation
    participant = await submitted_participant(ctx)
    if participant is None or conversation.step is not Step.REVIEW:
        return None
    form = questioning.form_of(ctx)
    missing = questioning.next_question(form, participant.answers)
    if missing is not None and missing.ask_if is not None and missing.ask_if.key in conversation.history:
        # A change that opened a question (meeting in person: where?) asks it before closing.
        return [questioning.ask(t, ctx, participant, missing, editing=True)]
    changed = tuple(conversation.history)
    conversation.step, conversation.history = Step.DONE, []
    record = summary(t, participant.answers, questioning.visible_questions(form, participant.answers))
    if not changed:
        return [Reply(record, edit=True), Reply(t.gettext("Nothing was changed."))]
    ctx.edited = changed
    saved = t.gettext("Your changes are saved, and the coordinators are told. Send /status to see your registration.")
    return [Reply(record, edit=True), Reply(saved)]
