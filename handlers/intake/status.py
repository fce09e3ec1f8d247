"""/status and /timezone: what a participant registered, where it stands, and the zone of their meeting times."""

from __future__ import annotations

from typing import Final

from handlers.core.buttons import Pressed
from handlers.core.events import Button, Reply
from handlers.core.model import Role, Status
from handlers.core.ports import Context
from handlers.core.render import format_day, summary, zone_name
from handlers.core.translator import N_, Translator
from handlers.intake import questioning
from handlers.intake.buttons import ChooseTimeZone

# Time zones a participant may choose for their meeting times (video and phone meetings cross
# them); Babel names each in the reader's language.
TIME_ZONES: Final = (
    "America/Vancouver",
    "America/Edmonton",
    "America/Winnipeg",
    "America/Toronto",
    "America/Halifax",
    "America/St_Johns",
)
# What happens next, for /status, by where a registration stands and who registered.
NEXT: Final = {
    (Status.SUBMITTED, Role.CONNECTEE): N_(
        "What happens next: a coordinator reviews it within a few days, then we introduce you to a volunteer "
        "from your field and propose meeting times here in this chat."
    ),
    (Status.SUBMITTED, Role.CONNECTOR): N_(
        "What happens next: a coordinator reviews it, then we send you here a short introduction to a newcomer "
        "from your field, with a few meeting times to choose from."
    ),
    (Status.APPROVED, Role.CONNECTEE): N_(
        "What happens next: we look for a volunteer from your field and send you here their introduction "
        "and meeting times to choose from."
    ),
    (Status.APPROVED, Role.CONNECTOR): N_(
        "What happens next: when a newcomer from your field needs you, we send you here their introduction "
        "and meeting times to choose from."
    ),
}
# What happens next for a newcomer with a meeting agreed (to come or held): nobody else is looked for.
AFTER_AGREED: Final = N_(
    "What happens next: after your meeting, we ask you here how it went, and later how your job search is going."
)
EDITABLE: Final = frozenset({Status.SUBMITTED, Status.APPROVED})  # /edit changes answers until a meeting is agreed
# Where a submitted registration stands, for /status.
STANDING: Final = {
    Status.SUBMITTED: N_("Where it stands: waiting for a coordinator's review."),
    Status.APPROVED: N_("Where it stands: approved."),
    Status.DECLINED: N_("Where it stands: the program cannot offer a meeting at this time."),
}


async def status(t: Translator, ctx: Context) -> Reply:
    """/status: what the person registered and where it stands."""
    conversation = ctx.conversation
    participant = await ctx.participants.get(conversation.participant_id) if conversation.participant_id else None
    if participant is None:
        return Reply(t.gettext("You have not registered yet. Send /start to begin."))
    form = ctx.program.forms[participant.role.value]
    record = summary(t, participant.answers, questioning.visible_questions(form, participant.answers))
    if participant.status is Status.IN_PROGRESS:
        count = questioning.answered_count(participant)
        text = t.ngettext(
            "Your registration is in progress: you have answered {count} question. Send /start to continue.",
            "Your registration is in progress: you have answered {count} questions. Send /start to continue.",
            count,
        ).format(count=count)
    else:
        date = format_day(
            participant.submitted_at or participant.updated_at,
            t.language,
            participant.time_zone or ctx.program.time_zone,
        )
        if participant.role is Role.CONNECTOR:
            text = t.pgettext("status", "You registered as a volunteer on {date}.").format(date=date)
        else:
            text = t.pgettext("status", "You registered as a newcomer on {date}.").format(date=date)
        text += "\n" + t.gettext(STANDING[participant.status])
        if ctx.meeting_agreed and participant.role is Role.CONNECTEE:
            text += "\n\n" + t.gettext(AFTER_AGREED)
        elif (participant.status, participant.role) in NEXT:
            text += "\n\n" + t.gettext(NEXT[(participant.status, participant.role)])
        if participant.status in EDITABLE and ctx.meeting_agreed:  # /edit stops once a meeting is agreed
            text += "\n" + t.gettext(
                "A meeting is agreed, so to change an answer, please write to a coordinator with /contact."
            )
        elif participant.status in EDITABLE:
            text += "\n" + t.gettext("To change an answer, send /edit.")
    return Reply("\n\n".join(part for part in (text, record) if part))


async def time_zone_question(t: Translator, ctx: Context) -> Reply:
    """/timezone: the zone meeting times are shown in, and the zones to choose from."""
    participant = await ctx.participants.get(ctx.conversation.participant_id or 0)
    if participant is None:
        return Reply(t.gettext("You have not registered yet. Send /start to begin."))
    current = participant.time_zone or ctx.program.time_zone
    text = t.gettext("Meeting times are shown to you in {zone}. Which time zone should we use?").format(
        zone=zone_name(current, t.language)
    )
    buttons = tuple(
        (Button(zone_name(zone, t.language), ChooseTimeZone(index).pack()),) for index, zone in enumerate(TIME_ZONES)
    )
    return Reply(text, buttons=buttons)


async def on_time_zone(button: ChooseTimeZone, pressed: Pressed) -> list[Reply] | None:
    """A zone chosen; None when the button is stale or forged."""
    t, ctx = pressed.t, pressed.ctx
    participant = await ctx.participants.get(ctx.conversation.participant_id or 0)
    if participant is None or button.index >= len(TIME_ZONES):
        return None
    zone = TIME_ZONES[button.index]
    participant.time_zone = None if zone == ctx.program.time_zone else zone
    await ctx.participants.update(participant, ctx.now)
    done = t.gettext("Done: your meeting times are now shown in {zone}.").format(zone=zone_name(zone, t.language))
    return [Reply(done, edit=True)]
