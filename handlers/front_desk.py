"""Every event's first stop: the program's rules, in their order; the first that answers, answers.

1. A flood's one note (the flooder's state stays as it was).
2. A coordinator's buttons and commands; anyone else's fall through, as an unknown button or command would.
   A coordinator's reply to a message relayed from someone is the answer to it.
3. A person to talk to: /contact, and the message that follows it (handlers.coordinators.contact);
   anything else they do instead drops it.
4. A person's own data: /mydata, /delete and the answer to "Erase your data?".
5. /link: one person's two doors (a Telegram account, a WhatsApp number) made one (handlers.intake.linking).
6. Words that answered a template ("reply to this message to see it", a channel's reply window): what
   waited for them is the answer, sent as they wrote; the words answer no question they had not seen.
7. New terms to agree to, before anything new is stored (handlers.intake.consent).
8. Proposal, meeting and follow-up buttons.
9. An open follow-up question: what is typed answers it, /start shows it again.
10. Words from a registered person with nothing asked: where to find a person (/contact).
11. Otherwise the conversation (handlers.intake.conversation), with what the program adds to it: an
   invitation, a submitted registration, the coordinators' /help, the meeting in /status.

Whatever comes from a registered person first tells that they can be reached again, if the bot
had been told they could not (they had blocked it): Telegram lets nobody write to a bot they block.

Each button is read once, strictly, into its typed value (handlers.core.buttons) and routed by the
route tables its flows declare. Proposal and meeting buttons carry the record's id and turn; the
flows check that the presser is the person the button was sent to and that the turn is still open,
so a forged or old button changes nothing and gets the same "expired" toast as any stale button.
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from typing import Final

from handlers.coordinators import commands, contact, review
from handlers.core.bidi import for_reader
from handlers.core.buttons import ButtonData, PressedInProgram, answer, read, typed_words
from handlers.core.events import Event, EventKind, Outcome, Reply
from handlers.core.model import Participant, Proposal, ProposalStatus, Role, Step
from handlers.core.people import coordinator_ids, name, zone_of
from handlers.core.ports import Context, Office
from handlers.core.render import format_when
from handlers.core.translator import Translator
from handlers.intake import consent, conversation, linking, welcome
from handlers.intake.buttons import ChooseLanguage
from handlers.matching import again, proposal_answers, rechecks
from handlers.meetings import changes, follow_up_steps, follow_ups
from handlers.privacy import rights

COORDINATOR_ROUTES: Final = (*review.ROUTES, *commands.ROUTES)
OWN_DATA_ROUTES: Final = rights.ROUTES
PROGRAM_ROUTES: Final = (*proposal_answers.ROUTES, *again.ROUTES, *changes.ROUTES, *follow_ups.ROUTES)
TYPED: Final = frozenset({EventKind.TEXT, EventKind.OTHER, EventKind.CONTACT})


@dataclass(frozen=True)
class Arrival:
    """One event at the desk, with what every rule reads: the button it carries, read once, and who pressed it."""

    event: Event
    ctx: Context
    office: Office
    t: Translator
    button: ButtonData | None  # None: no button, or data that is no button of the desk's routes

    @property
    def pressed(self) -> PressedInProgram:
        return PressedInProgram(self.event.user_id, self.t, self.ctx, self.office)

    def command(self, *names: str) -> bool:
        return self.event.kind is EventKind.COMMAND and self.event.text in names


async def handle(event: Event, ctx: Context, office: Office) -> Outcome:
    t = _translator(ctx)
    button = read(event.text, DESK_ROUTES) if event.kind is EventKind.CHOICE else None
    arrival = Arrival(event, ctx, office, t, button)
    await _reachable_again(ctx)
    for rule in RULES:
        outcome = await rule(arrival)
        if outcome is not None:
            return outcome
    return await _conversation(arrival)


async def _flood(arrival: Arrival) -> Outcome | None:
    return Outcome([slow_down(arrival.t)]) if arrival.event.kind is EventKind.TOO_FAST else None


async def _coordinators(arrival: Arrival) -> Outcome | None:
    event, office, t = arrival.event, arrival.office, arrival.t
    if arrival.command("coordinator"):
        return Outcome([await commands.join(event.args, event.user_id, t, office)])
    answering = contact.relayed_id(event.replying_to) if event.kind is EventKind.TEXT else None
    if answering is not None and await _is_coordinator(arrival):
        return await contact.answer(answering, event.text, t, office)
    ours = arrival.button is not None and type(arrival.button) in _COORDINATOR_KINDS
    if not (ours or arrival.command(*commands.COMMANDS)) or not await _is_coordinator(arrival):
        return None
    if arrival.button is not None:
        return _or_expired(await answer(arrival.button, COORDINATOR_ROUTES, arrival.pressed), t)
    return await commands.on_command(event.text, event.args, event.user_id, t, office)


async def _own_data(arrival: Arrival) -> Outcome | None:
    if arrival.command("mydata"):
        return Outcome(await rights.my_data(arrival.ctx, arrival.office))
    if arrival.command("delete"):
        return Outcome(await rights.ask_to_delete(arrival.ctx, arrival.office))
    if arrival.button is None or type(arrival.button) not in _OWN_DATA_KINDS:
        return None
    return _or_expired(await answer(arrival.button, OWN_DATA_ROUTES, arrival.pressed), arrival.t)


async def _team(arrival: Arrival) -> Outcome | None:
    """/contact, and the message that follows it, for the program's team; anything else drops it."""
    event, ctx, office, t = arrival.event, arrival.ctx, arrival.office, arrival.t
    if arrival.command("contact"):
        return await contact.start(event.args, ctx, office, t)
    if not ctx.conversation.writing_to_team or event.kind not in (EventKind.TEXT, EventKind.OTHER):
        ctx.conversation.writing_to_team = False
        return None
    sent = await contact.write(event.text, ctx, office, t)
    if ctx.conversation.writing_to_team or ctx.conversation.step in (Step.IDLE, Step.DONE):
        return sent
    return sent + Outcome(await conversation.show_step(t, ctx))  # back to the question they left


async def _nothing_asked(arrival: Arrival) -> Outcome | None:
    """Words from a registered person when no question is open: say where a person can read them."""
    if arrival.ctx.conversation.step is not Step.DONE or arrival.event.kind not in TYPED:
        return None
    text = arrival.t.gettext(
        "I cannot answer messages myself. To write to a person on the program's team, send /contact. "
        "/status shows your registration; /help shows what I can do."
    )
    return Outcome([Reply(text)])


async def _linking(arrival: Arrival) -> Outcome | None:
    """/link: a code for this door, or this door joined with the one that asked for the code."""
    if not arrival.command(linking.COMMAND):
        return None
    return await linking.on_link(arrival.event.args, arrival.ctx, arrival.office)


async def _released(arrival: Arrival) -> Outcome | None:
    """Words that brought what was held for them: nothing more to say (commands and buttons go on)."""
    return Outcome() if arrival.event.released and arrival.event.kind is EventKind.TEXT else None


async def _new_terms(arrival: Arrival) -> Outcome | None:
    waiting = await consent.check(arrival.event, arrival.ctx, arrival.office)
    return None if waiting is None else Outcome(waiting)


async def _program_buttons(arrival: Arrival) -> Outcome | None:
    if arrival.button is None or type(arrival.button) not in _PROGRAM_KINDS:
        return None
    return _or_expired(await answer(arrival.button, PROGRAM_ROUTES, arrival.pressed), arrival.t)


async def _open_follow_up(arrival: Arrival) -> Outcome | None:
    """A registered person with a follow-up question open: what they type answers it (or it is asked
    again), and /start shows it again rather than "you are already registered"."""
    ctx, office = arrival.ctx, arrival.office
    registered = ctx.conversation.participant_id
    if ctx.conversation.step is not Step.DONE or registered is None:
        return None
    if arrival.command("start"):
        person = await ctx.participants.get(registered)
        question = await follow_ups.open_question(office, person) if person is not None else []
        return Outcome(question) if question else None
    if arrival.event.kind not in TYPED:
        return None
    follow_up = await office.follow_ups.awaiting_text(registered, follow_up_steps.KEYS)
    if follow_up is None:
        return None
    return await follow_ups.on_text(follow_up, arrival.event.text, arrival.t, office, typed_words(ctx))


async def _conversation(arrival: Arrival) -> Outcome:
    event, ctx, office = arrival.event, arrival.ctx, arrival.office
    inviter = await _inviter(event, ctx, office)
    if arrival.command("edit") and _agreed(await _under_way(ctx, office)):
        text = arrival.t.gettext(
            "You have a meeting agreed, so your answers can no longer be changed here. Please ask a coordinator."
        )
        return Outcome([Reply(text)])
    # The status, shown for /status and to a registered person who chose a language, says what is
    # under way: read once, for the flow (ctx.meeting_agreed) and for the lines added after it.
    under_way = await _under_way(ctx, office) if arrival.command("status") or _language_chosen(arrival) else None
    if under_way is not None:
        ctx.meeting_agreed = _agreed(under_way)
    outcome = await conversation.handle(event, ctx)
    if inviter is not None and ctx.conversation.step is Step.LANGUAGE:
        # One welcome, not two in a row: the invitation's, asking the language as the greeting would.
        outcome = Outcome([_invited(inviter, ctx, office)], outcome.messages, outcome.notice)
    if ctx.edited is not None:
        edited = await ctx.participants.get(ctx.conversation.participant_id or 0)
        if edited is not None:
            told = await review.on_edited(office, edited, ctx.edited)
            outcome += Outcome(messages=told + await rechecks.after_change(office, edited, ctx.edited))
    if ctx.submitted is not None:
        person = await ctx.participants.get(ctx.submitted)
        if person is not None:
            await office.follow_ups.invitee_registered(person.user_id, person.id)
            outcome += Outcome(messages=await review.on_submitted(office, person))
    return outcome + await _added_to_commands(arrival, outcome, under_way)


def _language_chosen(arrival: Arrival) -> bool:
    return arrival.event.kind is EventKind.CHOICE and ChooseLanguage.unpack(arrival.event.text) is not None


async def _added_to_commands(arrival: Arrival, answered: Outcome, under_way: UnderWay | None) -> Outcome:
    """What the program adds to the conversation's answer to a command: the coordinators' /help, the
    meeting in /status, and in the status a registered person is shown after choosing a language
    (`under_way`: read for either)."""
    ctx = arrival.ctx
    if arrival.command("help") and await _is_coordinator(arrival):
        return Outcome([_coordinators_help(_translator(ctx))])
    shows_status = arrival.command("status") or (ctx.conversation.step is Step.DONE and bool(answered.replies))
    if under_way is not None and shows_status:
        line = await _meeting_status(ctx, arrival.office, under_way)
        if line:
            return Outcome([Reply(line)])
    return Outcome()


RULES: Final[tuple[Callable[[Arrival], Awaitable[Outcome | None]], ...]] = (
    _flood,
    _coordinators,
    _team,
    _own_data,
    _linking,
    _released,
    _new_terms,
    _program_buttons,
    _open_follow_up,
    _nothing_asked,
)
DESK_ROUTES: Final = (*COORDINATOR_ROUTES, *OWN_DATA_ROUTES, *PROGRAM_ROUTES)
_COORDINATOR_KINDS: Final = frozenset(route.button for route in COORDINATOR_ROUTES)
_OWN_DATA_KINDS: Final = frozenset(route.button for route in OWN_DATA_ROUTES)
_PROGRAM_KINDS: Final = frozenset(route.button for route in PROGRAM_ROUTES)


def _coordinators_help(t: Translator) -> Reply:
    lines = [t.gettext("For coordinators:")]
    lines += [
        t.pgettext("help", "/{command}: {description}").format(command=command, description=t.gettext(description))
        for command, description in commands.COMMANDS.items()
    ]
    return Reply("\n".join(lines))


async def _reachable_again(ctx: Context) -> None:
    """Someone who had blocked the bot writes again: they can be reached (and matched) again.

    Whatever they send and wherever they are: a registration they finish after unblocking the bot,
    or a button they press first, would otherwise leave them unreachable, never matched."""
    if ctx.conversation.participant_id is None:
        return
    person = await ctx.participants.get(ctx.conversation.participant_id)
    if person is not None and person.unreachable_since is not None:
        person.unreachable_since = None
        await ctx.participants.update(person, ctx.now)


async def _is_coordinator(arrival: Arrival) -> bool:
    return arrival.event.user_id in await coordinator_ids(arrival.office)


async def _inviter(event: Event, ctx: Context, office: Office) -> Participant | None:
    """/start r<code> from a personal link a newcomer passed on: record it; who invited them."""
    if not (event.kind is EventKind.COMMAND and event.text == "start" and event.args.startswith("r")):
        return None
    if ctx.conversation.participant_id is not None:
        return None  # registered already: the link changes nothing
    referral = await office.follow_ups.referral_by_code(event.args[1:])
    inviter = await ctx.participants.get(referral.connectee_id) if referral else None
    if referral is None or inviter is None:
        return None
    await office.follow_ups.invitee_opened(referral.id, event.user_id)
    return inviter


def _invited(inviter: Participant, ctx: Context, office: Office) -> Reply:
    """The one welcome of someone who came by a personal link: who invited them, then their language."""
    t = _translator(ctx)
    text = t.gettext(
        "{program}\n{name} invited you to this program, which introduces newcomers to local professionals like you for "
        "one 30-minute conversation. You can register here as a volunteer.\n\n"
        "Which language would you like to use?"
    )
    return welcome.language_question(
        t, ctx, text.format(name=name(inviter, t), program=for_reader(office.program.name_for(t), t.language))
    )


def _translator(ctx: Context) -> Translator:
    return ctx.translations(ctx.conversation.language or ctx.program.default_language)


def _or_expired(outcome: Outcome | None, t: Translator) -> Outcome:
    """A button flow's outcome; None (not the presser's button, or no longer open) gets the "expired" toast."""
    return Outcome(notice=t.gettext(conversation.EXPIRED)) if outcome is None else outcome


UnderWay = tuple[Participant | None, list[Proposal]]
"""The person writing (None: not registered) and their open or confirmed proposals."""


async def _under_way(ctx: Context, office: Office) -> UnderWay:
    person = await ctx.participants.get(ctx.conversation.participant_id or 0)
    if person is None:
        return None, []
    return person, await office.matchmaking.current_proposals(person.id, person.role)


def _agreed(under_way: UnderWay) -> bool:
    """Whether the person is matched: a meeting agreed (held or to come). /edit stops there."""
    return any(proposal.status is ProposalStatus.CONFIRMED for proposal in under_way[1])


async def _meeting_status(ctx: Context, office: Office, under_way: UnderWay) -> str:
    """For /status: the proposal or meetings under way, in a line each."""
    person, proposals = under_way
    if person is None:
        return ""
    t = _translator(ctx)
    lines = []
    for proposal in proposals:
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
