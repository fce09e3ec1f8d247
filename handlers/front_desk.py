"""Every event's first stop, in the order of the program's rules: a flood's one note; a coordinator's
buttons and commands; a person's own data (/mydata, /delete); new terms to agree to before anything
else is stored; proposal, meeting and follow-up buttons; a typed follow-up answer; then the
conversation (handlers.intake.conversation), with what the program adds to it (an invitation, a submitted
registration, the coordinators' /help, the meeting in /status).

Proposal and meeting buttons carry the record's id and turn; the flows check that the presser
is the person the button was sent to and that the turn is still open, so a forged or old
button changes nothing and gets the same "expired" toast as any stale button.
"""

from __future__ import annotations

from typing import Final

from handlers.coordinators import commands, review
from handlers.core.events import Event, EventKind, Outcome, Reply
from handlers.core.model import ProposalStatus, Role, Step
from handlers.core.people import name, zone_of
from handlers.core.ports import Context, Office
from handlers.core.render import format_when
from handlers.core.translator import Translator
from handlers.intake import consent, conversation
from handlers.matching import proposals
from handlers.meetings import changes, follow_ups
from handlers.privacy import rights

PROPOSAL_BUTTONS: Final = frozenset({"pk", "pn", "px", "ca", "co", "cs", "cd"})
MEETING_BUTTONS: Final = frozenset({"mx", "my", "mn", "mr"})
FOLLOW_UP_BUTTONS: Final = frozenset({"fu"})
COORDINATOR_BUTTONS: Final = frozenset({"ok", "no", "pick", "ex"})
TYPED: Final = frozenset({EventKind.TEXT, EventKind.OTHER, EventKind.CONTACT})


async def handle(event: Event, ctx: Context, office: Office) -> Outcome:
    t = _translator(ctx)
    if event.kind is EventKind.TOO_FAST:  # before any flow: the flooder's state stays as it was
        return Outcome([slow_down(t)])
    kind, _, rest = event.text.partition(":") if event.kind is EventKind.CHOICE else ("", "", "")
    if kind in COORDINATOR_BUTTONS and await _is_coordinator(event, office):
        return await _on_program_button(kind, rest, event, t, office)
    if event.kind is EventKind.COMMAND:
        if event.text == "coordinator":
            return Outcome([await commands.join(event.args, event.user_id, t, office)])
        if event.text in commands.COMMANDS and await _is_coordinator(event, office):
            return await commands.on_command(event.text, event.args, event.user_id, t, office)
        if event.text == "mydata":
            return Outcome(await rights.my_data(ctx, office))
        if event.text == "delete":
            return Outcome(await rights.ask_to_delete(ctx, office))
    if kind == "del":
        return _or_expired(await rights.on_delete_button(rest, ctx, office), t)
    waiting = await consent.check(event, ctx, office)
    if waiting is not None:
        return Outcome(waiting)
    if kind in PROPOSAL_BUTTONS | MEETING_BUTTONS | FOLLOW_UP_BUTTONS:
        return await _on_program_button(kind, rest, event, t, office)
    if ctx.conversation.step is Step.DONE and ctx.conversation.participant_id:
        await _reachable_again(ctx)
    if event.kind in TYPED and ctx.conversation.step is Step.DONE and ctx.conversation.participant_id:
        follow_up = await office.follow_ups.awaiting_text(ctx.conversation.participant_id, follow_ups.TEXT_STEPS)
        if follow_up is not None:
            answered = await follow_ups.on_text(follow_up, event.text, t, office)
            if answered is not None:
                return answered
    invited = await _invitation(event, ctx, office)
    outcome = Outcome(invited) + await conversation.handle(event, ctx)
    if ctx.submitted is not None:
        person = await ctx.participants.get(ctx.submitted)
        if person is not None:
            await office.follow_ups.invitee_registered(person.user_id, person.id)
            outcome += Outcome(messages=await review.on_submitted(office, person))
    if event.kind is EventKind.COMMAND and event.text == "help" and await _is_coordinator(event, office):
        t = _translator(ctx)
        lines = [t.gettext("For coordinators:")]
        lines += [
            t.gettext("/{command}: {description}").format(command=command, description=t.gettext(description))
            for command, description in commands.COMMANDS.items()
        ]
        outcome += Outcome([Reply("\n".join(lines))])
    if event.kind is EventKind.COMMAND and event.text == "status" and ctx.conversation.participant_id:
        line = await _meeting_status(ctx, office)
        if line:
            outcome += Outcome([Reply(line)])
    return outcome


async def _reachable_again(ctx: Context) -> None:
    """Someone who had blocked the bot writes again: they can be reached (and matched) again."""
    person = await ctx.participants.get(ctx.conversation.participant_id or 0)
    if person is not None and person.unreachable_since is not None:
        person.unreachable_since = None
        await ctx.participants.update(person, ctx.now)


async def _is_coordinator(event: Event, office: Office) -> bool:
    return event.user_id in office.named_coordinators or event.user_id in await office.roster.members(office.channel)


async def _invitation(event: Event, ctx: Context, office: Office) -> list[Reply]:
    """/start r<code> from a personal link a newcomer passed on: record it and say who invited them."""
    if not (event.kind is EventKind.COMMAND and event.text == "start" and event.args.startswith("r")):
        return []
    if ctx.conversation.participant_id is not None:
        return []  # registered already: the link changes nothing
    referral = await office.follow_ups.referral_by_code(event.args[1:])
    inviter = await ctx.participants.get(referral.connectee_id) if referral else None
    if referral is None or inviter is None:
        return []
    await office.follow_ups.invitee_opened(referral.id, event.user_id)
    t = _translator(ctx)
    text = t.gettext(
        "{name} invited you. {program} introduces newcomers to local professionals like you for one "
        "30-minute conversation; you can register below as a volunteer connector."
    )
    # Written before the conversation chose the newcomer's language (from their app's, on this very
    # /start): laid out for the language it is in, which the replies after it may not be.
    return [Reply(text.format(name=name(inviter, t), program=office.program.name), language=t.language)]


def _translator(ctx: Context) -> Translator:
    return ctx.translations(ctx.conversation.language or ctx.program.default_language)


def _or_expired(outcome: Outcome | None, t: Translator) -> Outcome:
    """A button flow's outcome; None (not the presser's button, or no longer open) gets the "expired" toast."""
    return Outcome(notice=t.gettext(conversation.EXPIRED)) if outcome is None else outcome


async def _on_program_button(kind: str, rest: str, event: Event, t: Translator, office: Office) -> Outcome:
    if kind in PROPOSAL_BUTTONS:
        outcome = await proposals.on_button(kind, rest, event.user_id, t, office)
    elif kind in MEETING_BUTTONS:
        outcome = await changes.on_button(kind, rest, event.user_id, t, office)
    elif kind in FOLLOW_UP_BUTTONS:
        outcome = await follow_ups.on_button(rest, event.user_id, t, office)
    elif kind == "ex" and rest in commands.EXPORTS:
        outcome = Outcome([await commands.export(rest, event.user_id, t, office)])
    else:
        outcome = await review.on_button(kind, rest, t, office)
    return _or_expired(outcome, t)


async def _meeting_status(ctx: Context, office: Office) -> str:
    """For /status: the proposal or meetings under way, in a line each."""
    person = await ctx.participants.get(ctx.conversation.participant_id or 0)
    if person is None:
        return ""
    t = _translator(ctx)
    lines = []
    for proposal in await office.matchmaking.current_proposals(person.id, person.role):
        other = await ctx.participants.get(
            proposal.connector_id if person.role is Role.CONNECTEE else proposal.connectee_id
        )
        if other is None:
            continue
        if proposal.status is ProposalStatus.CONFIRMED:
            meeting = await office.matchmaking.scheduled_meeting(proposal.id)
            if meeting is not None and meeting.ends_at > office.now:
                lines.append(
                    t.gettext("Your meeting with {name}: {when}.").format(
                        name=name(other, t), when=format_when(meeting.starts_at, t, zone_of(office, person))
                    )
                )
        else:
            lines.append(t.gettext("A meeting with {name} is being arranged.").format(name=name(other, t)))
    return "\n".join(lines)


def slow_down(t: Translator) -> Reply:
    """The one note a person gets when they send faster than the bot takes in (a flood)."""
    text = t.gettext(
        "You are sending messages very quickly, so we skipped some of them. "
        "Please wait a few seconds, then send your answer again."
    )
    return Reply(text)


def apology(t: Translator) -> Reply:
    """What a person reads when their message could not be handled, after every retry failed."""
    text = t.gettext(
        "Sorry, something went wrong on our side with your last message. "
        "Everything you told us before is saved: please send it again in a few minutes."
    )
    return Reply(text)
