"""Submitting a registration: the review's Submit button, and what the person is told happens next."""

from __future__ import annotations

from handlers.core.bidi import for_reader
from handlers.core.buttons import Pressed
from handlers.core.events import Reply
from handlers.core.model import Status, Step
from handlers.core.render import summary
from handlers.intake.buttons import Submit
from handlers.intake.questioning import ask, form_of, next_question, participant_of, visible_questions


async def on_submit(button: Submit, pressed: Pressed) -> list[Reply] | None:
    """Submit on the review screen; None when stale."""
    t, ctx = pressed.t, pressed.ctx
    if ctx.conversation.participant_id is None or ctx.conversation.step is not Step.REVIEW:
        return None
    participant = await participant_of(ctx)
    if participant.status is not Status.IN_PROGRESS:  # an older review's Submit, under a change (/edit)
        return None
    form = form_of(ctx)
    missing = next_question(form, participant.answers)
    if missing is not None:
        return [ask(t, ctx, participant, missing, editing=False)]
    participant.status = Status.SUBMITTED
    participant.submitted_at = ctx.now
    await ctx.participants.update(participant, ctx.now)
    ctx.submitted = participant.id
    conversation = ctx.conversation
    conversation.step = Step.DONE
    conversation.history = []
    name = participant.answers.get("name") or ""
    if conversation.role is not None and conversation.role.value == "connector":
        thanks = t.gettext(
            "Thank you, {name}! Your registration as a volunteer is submitted.\n\n"
            "What happens next: a coordinator reviews it, then we send you here a short introduction "
            "to a newcomer from your field, with a few meeting times to choose from. "
            "Send /status at any time to see where things stand."
        )
    else:
        thanks = t.gettext(
            "Thank you, {name}! Your registration is submitted.\n\n"
            "What happens next: a coordinator reviews it within a few days, then we introduce you "
            "to a volunteer from your field and propose meeting times here in this chat. "
            "Send /status at any time to see where things stand."
        )
    # The review message keeps the answers as a record but loses its now useless buttons.
    record = summary(t, participant.answers, visible_questions(form, participant.answers))
    return [Reply(record, edit=True), Reply(thanks.format(name=for_reader(name, t.language)))]
