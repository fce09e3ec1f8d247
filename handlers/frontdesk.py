"""Every event's first stop: proposal, meeting and coordinator actions here, the rest to the conversation.

Proposal and meeting buttons carry the record's id and turn; the flows check that the presser
is the person the button was sent to and that the turn is still open, so a forged or old
button changes nothing and gets the same "expired" toast as any stale button.
"""

from __future__ import annotations

from typing import Final

from handlers import conversation, coordination, meeting_changes, proposals
from handlers.bidi import lay_out
from handlers.events import Event, EventKind, Outcome, Outgoing, Reply
from handlers.i18n import N_, Translator
from handlers.model import MatchStatus, Role
from handlers.people import name, zone_of
from handlers.ports import Context, Office
from handlers.render import format_when

PROPOSAL_BUTTONS: Final = frozenset({"pk", "pn", "px", "ca", "co", "cs", "cd"})
MEETING_BUTTONS: Final = frozenset({"mx", "my", "mn", "mr"})
COORDINATOR_BUTTONS: Final = frozenset({"ok", "no", "pick"})
COORDINATOR_COMMANDS: Final = {"pending": N_("Applications waiting for review (coordinators only)")}


async def handle(event: Event, ctx: Context, office: Office) -> Outcome:
    is_coordinator = event.user_id in office.coordinators
    if event.kind is EventKind.CHOICE:
        kind, _, rest = event.text.partition(":")
        if kind in PROPOSAL_BUTTONS | MEETING_BUTTONS or (kind in COORDINATOR_BUTTONS and is_coordinator):
            return await _on_program_button(kind, rest, event, ctx, office)
    if event.kind is EventKind.COMMAND and event.text in COORDINATOR_COMMANDS and is_coordinator:
        t = _translator(ctx)
        return _laid_out(await coordination.pending(office, t), [], t.language)
    outcome = await conversation.handle(event, ctx)
    if ctx.submitted is not None:
        person = await ctx.participants.get(ctx.submitted)
        if person is not None:
            outcome.messages += await coordination.on_submitted(office, person)
    if event.kind is EventKind.COMMAND and event.text == "help" and is_coordinator:
        t = _translator(ctx)
        lines = [
            t.gettext("/{command}: {description}").format(command=command, description=t.gettext(description))
            for command, description in COORDINATOR_COMMANDS.items()
        ]
        outcome.replies.append(lay_out(Reply("\n".join(lines)), t.language))
    if event.kind is EventKind.COMMAND and event.text == "status" and ctx.conversation.participant_id:
        line = await _meeting_status(ctx, office)
        if line:
            outcome.replies.append(lay_out(Reply(line), _translator(ctx).language))
    return outcome


def _translator(ctx: Context) -> Translator:
    return ctx.translations(ctx.conversation.language or ctx.program.default_language)


def _laid_out(replies: list[Reply], messages: list[Outgoing], language: str) -> Outcome:
    return Outcome([lay_out(reply, language) for reply in replies], messages=messages)


async def _on_program_button(kind: str, rest: str, event: Event, ctx: Context, office: Office) -> Outcome:
    t = _translator(ctx)
    if kind in PROPOSAL_BUTTONS:
        result = await proposals.on_button(kind, rest, event.user_id, t, office)
    elif kind in MEETING_BUTTONS:
        result = await meeting_changes.on_button(kind, rest, event.user_id, t, office)
    else:
        result = await coordination.on_button(kind, rest, t, office)
    if result is None:
        return Outcome(notice=t.gettext(conversation.EXPIRED))
    replies, messages = result
    return _laid_out(replies, messages, t.language)


async def _meeting_status(ctx: Context, office: Office) -> str:
    """For /status: the proposal or meetings under way, in a line each."""
    person = await ctx.participants.get(ctx.conversation.participant_id or 0)
    if person is None:
        return ""
    t = _translator(ctx)
    lines = []
    for match in await office.matchmaking.current_match(person.id, person.role):
        other = await ctx.participants.get(match.connector_id if person.role is Role.CONNECTEE else match.connectee_id)
        if other is None:
            continue
        if match.status is MatchStatus.CONFIRMED:
            meeting = await office.matchmaking.scheduled_meeting(match.id)
            if meeting is not None and meeting.ends_at > office.now:
                lines.append(
                    t.gettext("Your meeting with {name}: {when}.").format(
                        name=name(other, t), when=format_when(meeting.starts_at, t, zone_of(office, person))
                    )
                )
        else:
            lines.append(t.gettext("A meeting with {name} is being arranged.").format(name=name(other, t)))
    return "\n".join(lines)
