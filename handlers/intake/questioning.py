"""The intake: ask the form's questions one by one, check answers, review, submit.

The next question is always the first visible question without an answer, so /back, editing
from the review screen and a restart all lead to the same place without extra bookkeeping.
"""

from __future__ import annotations

from typing import Any, Final

from handlers.core import ids
from handlers.core.buttons import Pressed, Route, fold, route
from handlers.core.events import Event, EventKind, Reply
from handlers.core.model import Participant, Status, Step
from handlers.core.ports import Context
from handlers.core.program import Form, Kind, Question
from handlers.core.render import SKIPPED, chosen, display_answer
from handlers.core.translator import N_, Translator
from handlers.intake import near_misses
from handlers.intake.answers import TAP_A_BUTTON, TYPE_YOUR_ANSWER, Invalid, check_phone, check_typed, this_year
from handlers.intake.buttons import (
    Answer,
    ClearAnswer,
    DoneTicking,
    EditAnswer,
    KeepAnswer,
    Meant,
    OtherAnswer,
    SkipQuestion,
    Tick,
)
from handlers.intake.screens import hint, question_reply, review_reply

PICKS_MANY: Final = frozenset({Kind.MULTI, Kind.AVAILABILITY})  # questions answered by ticking, then Done


def form_of(ctx: Context) -> Form:
    assert ctx.conversation.role is not None
    return ctx.program.forms[ctx.conversation.role.value]


def visible_questions(form: Form, answers: dict[str, Any]) -> list[Question]:
    """The questions this person is asked, consent aside, given their answers so far."""
    return [q for q in form.questions[1:] if q.ask_if is None or _matches(answers.get(q.ask_if.key), q.ask_if.values)]


def _matches(answer: Any, values: tuple[str, ...]) -> bool:
    if isinstance(answer, list):
        return any(item in values for item in answer)
    return answer in values


def _counted(form: Form, answers: dict[str, Any]) -> list[Question]:
    """The questions "Question 8 of 13" counts: the visible ones, and those whose condition is not answered
    yet, so that the count never grows as a person goes on (a condition answered "no" only shrinks it)."""
    return [
        q
        for q in form.questions[1:]
        if q.ask_if is None or q.ask_if.key not in answers or q in visible_questions(form, answers)
    ]


def next_question(form: Form, answers: dict[str, Any]) -> Question | None:
    return next((q for q in visible_questions(form, answers) if q.key not in answers), None)


async def participant_of(ctx: Context) -> Participant:
    conversation = ctx.conversation
    assert conversation.participant_id is not None
    participant = await ctx.participants.get(conversation.participant_id)
    assert participant is not None, "a conversation in an intake always has its participant"
    return participant


def ask(
    t: Translator,
    ctx: Context,
    participant: Participant,
    question: Question,
    *,
    editing: bool,
    keep_pending: bool = False,
) -> Reply:
    """Open `question` and render it; `keep_pending` keeps boxes ticked before an interruption."""
    conversation = ctx.conversation
    form = form_of(ctx)
    conversation.step = Step.QUESTION
    conversation.question = question.key
    conversation.editing = editing
    current = participant.answers.get(question.key)
    if not keep_pending:
        conversation.pending = list(current) if isinstance(current, list) else []
    counted = _counted(form, participant.answers)
    number = next((i for i, q in enumerate(counted, 1) if q.key == question.key), len(counted))
    return question_reply(
        t,
        question,
        number=number,
        total=len(counted),
        current=current,
        has_answer=question.key in participant.answers,
        pending=conversation.pending,
        hint=hint(
            t, question, this_year(ctx.now, ctx.program.time_zone), participant.time_zone or ctx.program.time_zone
        ),
        channel=ctx.capabilities,
    )


def advance(t: Translator, ctx: Context, participant: Participant) -> list[Reply]:
    """After an answer: back to the review when editing, else the next open question or the review."""
    conversation = ctx.conversation
    form = form_of(ctx)
    question = None if conversation.editing else next_question(form, participant.answers)
    if question is None:
        return [show_review(t, ctx, participant)]
    return [ask(t, ctx, participant, question, editing=False)]


def show_review(t: Translator, ctx: Context, participant: Participant) -> Reply:
    conversation = ctx.conversation
    conversation.step = Step.REVIEW
    conversation.question = None
    conversation.editing = False
    conversation.pending = []
    visible = visible_questions(form_of(ctx), participant.answers)
    return review_reply(
        t,
        participant.answers,
        visible,
        channel=ctx.capabilities,
        submitted=participant.status is not Status.IN_PROGRESS,
    )


async def store_answer(ctx: Context, participant: Participant, question: Question, value: Any) -> None:
    """Save an answer, forget answers to questions it hides, and remember it for /back."""
    await ctx.participants.save_answer(participant, question.key, value, ctx.now)
    form = form_of(ctx)
    shown = {q.key for q in visible_questions(form, participant.answers)}
    for hidden in [q.key for q in form.questions[1:] if q.key not in shown and q.key in participant.answers]:
        await ctx.participants.forget_answer(participant, hidden, ctx.now)
    _remember(ctx, question)


def _remember(ctx: Context, question: Question) -> None:
    """`question` is the latest answered: /back from the next one comes to it."""
    history = ctx.conversation.history
    if question.key in history:
        history.remove(question.key)
    history.append(question.key)


def takes_text(ctx: Context) -> bool:
    """Whether the open question reads a typed answer; else a typed text can only name one of its buttons."""
    return form_of(ctx).question(ctx.conversation.question or "").kind not in (Kind.CHOICE, *PICKS_MANY)


async def on_question_event(event: Event, t: Translator, ctx: Context) -> list[Reply]:
    """Something typed, shared or sent while a question is open."""
    participant = await participant_of(ctx)
    question = form_of(ctx).question(ctx.conversation.question or "")
    typed = fold(event.text) if event.kind is EventKind.TEXT else ""
    if question.key in participant.answers and typed in (
        fold(t.pgettext("question", "Keep")),
        fold(t.pgettext("question", "Skip")),
    ):
        return keep(t, ctx, participant, question)  # Skip never erases an answer there is
    meant = near_misses.typed_reply(event, ctx, question)
    if meant is not None:
        return await _settle(question, meant, Pressed(event.user_id, t, ctx)) or []
    value = None if question.optional and typed == fold(t.pgettext("question", "Skip")) else _read(event, question, ctx)
    found = near_misses.guess(question, event.text, value, this_year(ctx.now, ctx.program.time_zone))
    if found is not None:
        return [near_misses.offer(t, ctx, question, found)]
    return await _take(t, ctx, participant, question, value)


async def _take(t: Translator, ctx: Context, participant: Participant, question: Question, value: Any) -> list[Reply]:
    """Store a typed answer and go on; or say why it cannot be used and ask again."""
    if isinstance(value, Invalid):
        return [
            Reply(t.gettext(value.message).format(**value.params)),
            ask(t, ctx, participant, question, editing=ctx.conversation.editing, keep_pending=True),
        ]
    await store_answer(ctx, participant, question, value)
    return _leaving(t, question, value) + advance(t, ctx, participant)


def _read(event: Event, question: Question, ctx: Context) -> Any:
    """The value a typed or shared answer gives `question`, or why it gives none."""
    if event.kind is EventKind.CONTACT and question.kind is Kind.PHONE:
        if event.text.startswith("+"):
            return check_phone(event.text)
        # Telegram's and WhatsApp's own numbers are international without their +; a card shared on
        # WhatsApp holds a number as saved in the address book ("(519) 555-0199"), read as typed.
        international = check_phone(f"+{event.text}")
        return check_phone(event.text) if isinstance(international, Invalid) else international
    if event.kind is not EventKind.TEXT:
        return Invalid(N_("I can only read text here. Please type your answer or tap a button."))
    if question.kind is Kind.CHOICE:
        return Invalid(TAP_A_BUTTON)
    if question.kind in PICKS_MANY:
        return Invalid(N_("Please tap the buttons below, then Done."))
    return check_typed(question, event.text, this_year(ctx.now, ctx.program.time_zone))


def _leaving(t: Translator, question: Question, value: Any) -> list[Reply]:
    """The share-contact keyboard has done its job once the phone question is left: a message of its
    own, saying what is kept, takes it away."""
    if question.kind is not Kind.PHONE:
        return []
    saved = display_answer(t, question, value)
    return [Reply(t.gettext("Saved: {answer}").format(answer=saved), remove_keyboard=True)]


def keep(t: Translator, ctx: Context, participant: Participant, question: Question) -> list[Reply]:
    """Leave a question asked again with the answer it has: on to the review or the next open question."""
    _remember(ctx, question)
    current = participant.answers.get(question.key)
    if question.kind is Kind.PHONE:
        return _leaving(t, question, current) + advance(t, ctx, participant)
    return [chosen(t.gettext(question.text), display_answer(t, question, current), t), *advance(t, ctx, participant)]


async def on_other_text(event: Event, t: Translator, ctx: Context) -> list[Reply]:
    """The typed answer after "Other" was pressed."""
    participant = await participant_of(ctx)
    question = form_of(ctx).question(ctx.conversation.question or "")
    value: Any = (
        check_typed(
            Question(key=question.key, kind=Kind.TEXT, text="", label="", max_length=80),
            event.text,
            this_year(ctx.now, ctx.program.time_zone),
        )
        if event.kind is EventKind.TEXT
        else Invalid(N_("I can only read text here. Please type your answer or tap a button."))
    )
    if isinstance(value, Invalid):
        return [Reply(t.gettext(value.message).format(**value.params)), Reply(t.gettext(TYPE_YOUR_ANSWER))]
    await store_answer(ctx, participant, question, {"other": value})
    ctx.conversation.step = Step.QUESTION
    return advance(t, ctx, participant)


async def _open_question(key: str, ctx: Context) -> tuple[Participant, Question] | None:
    """The participant and their open question, if `key` names it; None for a button of no open question."""
    conversation = ctx.conversation
    if conversation.participant_id is None or conversation.step is not Step.QUESTION or conversation.question != key:
        return None
    return await participant_of(ctx), form_of(ctx).question(key)


async def _on_answer(button: Answer, pressed: Pressed) -> list[Reply] | None:
    found = await _open_question(button.question, pressed.ctx)
    return await _on_answer_button(button.value, pressed.t, pressed.ctx, *found) if found else None


async def _on_skip(button: SkipQuestion, pressed: Pressed) -> list[Reply] | None:
    """Skip (from a copy of the question shown before it had an answer, if it has one now: Keep)."""
    found = await _open_question(button.question, pressed.ctx)
    if found is None or not found[1].optional:
        return None
    (participant, question), t, ctx = found, pressed.t, pressed.ctx
    if question.key in participant.answers:
        return keep(t, ctx, participant, question)
    return await _clear(t, ctx, participant, question)


async def _on_meant(button: Meant, pressed: Pressed) -> list[Reply] | None:
    found = await _open_question(button.question, pressed.ctx)
    return await _settle(found[1], button.agreed, pressed) if found else None


async def _settle(question: Question, meant: bool, pressed: Pressed) -> list[Reply] | None:
    """Yes or No to "Did you mean …?": the answer it gives is taken (No to a year asks for it again)."""
    value = near_misses.settle(question, meant, pressed)
    if value is None:
        return None
    t, ctx = pressed.t, pressed.ctx
    return await _take(t, ctx, await participant_of(ctx), question, value)


async def _on_keep(button: KeepAnswer, pressed: Pressed) -> list[Reply] | None:
    found = await _open_question(button.question, pressed.ctx)
    if found is None or found[1].key not in found[0].answers:
        return None
    return keep(pressed.t, pressed.ctx, *found)


async def _on_clear(button: ClearAnswer, pressed: Pressed) -> list[Reply] | None:
    found = await _open_question(button.question, pressed.ctx)
    if found is None or not found[1].optional:
        return None
    return await _clear(pressed.t, pressed.ctx, *found)


async def _clear(t: Translator, ctx: Context, participant: Participant, question: Question) -> list[Reply]:
    """An optional question left without an answer."""
    await store_answer(ctx, participant, question, None)
    return [chosen(t.gettext(question.text), t.gettext(SKIPPED), t), *advance(t, ctx, participant)]


async def _on_other(button: OtherAnswer, pressed: Pressed) -> list[Reply] | None:
    found = await _open_question(button.question, pressed.ctx)
    if found is None or not found[1].other:
        return None
    question, t = found[1], pressed.t
    pressed.ctx.conversation.step = Step.OTHER
    return [
        chosen(t.gettext(question.text), t.pgettext("question", "Other (type it)"), t),
        Reply(t.gettext(TYPE_YOUR_ANSWER)),
    ]


async def _on_tick(button: Tick, pressed: Pressed) -> list[Reply] | None:
    found = await _open_question(button.question, pressed.ctx)
    if found is None or found[1].kind not in PICKS_MANY:
        return None
    return _on_tick_button(button.value, button.on, pressed.t, pressed.ctx, *found)


async def _on_done(button: DoneTicking, pressed: Pressed) -> list[Reply] | None:
    found = await _open_question(button.question, pressed.ctx)
    if found is None or found[1].kind not in PICKS_MANY:
        return None
    return await _on_done_button(pressed.t, pressed.ctx, *found)


async def _on_answer_button(
    value: str, t: Translator, ctx: Context, participant: Participant, question: Question
) -> list[Reply] | None:
    """One option (or a number) pressed; None when it is no option of the question."""
    answer: Any = value
    if question.kind is Kind.NUMBER:
        answer = ids.number(value, range(question.minimum or 0, (question.maximum or 0) + 1))
        if answer is None:
            return None
    elif value not in {o.value for o in question.options}:
        return None
    await store_answer(ctx, participant, question, answer)
    return [chosen(t.gettext(question.text), display_answer(t, question, answer), t), *advance(t, ctx, participant)]


def _on_tick_button(
    option: str, on: bool, t: Translator, ctx: Context, participant: Participant, question: Question
) -> list[Reply] | None:
    """An option of a several-choice question ticked or unticked; None when it is no option of it."""
    conversation = ctx.conversation
    if option not in {o.value for o in question.options}:
        return None
    ticked = set(conversation.pending)
    # Already so (a double tap, or a button of an older copy of the question): nothing changes,
    # but the pressed message is shown as things are, so an older copy stops contradicting them.
    if on != (option in ticked):
        ticked.symmetric_difference_update({option})
        conversation.pending = [o.value for o in question.options if o.value in ticked]
    reply = ask(t, ctx, participant, question, editing=conversation.editing, keep_pending=True)
    now_on = option in conversation.pending
    return [Reply(reply.text, buttons=reply.buttons, edit=True, focus=Tick(question.key, option, not now_on).pack())]


async def _on_done_button(t: Translator, ctx: Context, participant: Participant, question: Question) -> list[Reply]:
    """Done under a several-choice question: the ticked options become the answer."""
    conversation = ctx.conversation
    if len(conversation.pending) < question.min_choices:
        return [Reply(t.gettext("Please tap at least one option, then Done."))]
    answer = list(conversation.pending)
    await store_answer(ctx, participant, question, answer)
    conversation.pending = []
    return [chosen(t.gettext(question.text), display_answer(t, question, answer), t), *advance(t, ctx, participant)]


async def _on_edit(button: EditAnswer, pressed: Pressed) -> list[Reply] | None:
    """Edit on the review screen; None when stale."""
    ctx = pressed.ctx
    if ctx.conversation.participant_id is None or ctx.conversation.step is not Step.REVIEW:
        return None
    participant = await participant_of(ctx)
    form = form_of(ctx)
    if button.question not in {q.key for q in visible_questions(form, participant.answers)}:
        return None
    return [ask(pressed.t, ctx, participant, form.question(button.question), editing=True)]


def answered_count(participant: Participant) -> int:
    return len(participant.answers)


ROUTES: Final[tuple[Route[Pressed, list[Reply]], ...]] = (
    route(Answer, _on_answer),
    route(SkipQuestion, _on_skip),
    route(KeepAnswer, _on_keep),
    route(Meant, _on_meant),
    route(ClearAnswer, _on_clear),
    route(OtherAnswer, _on_other),
    route(Tick, _on_tick),
    route(DoneTicking, _on_done),
    route(EditAnswer, _on_edit),
)
