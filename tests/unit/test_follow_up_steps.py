"""The follow-up questions read as a table: every step is reached, leads somewhere real and speaks from the catalog."""

from __future__ import annotations

from collections.abc import Iterator, Mapping
from datetime import UTC, datetime

import pytest
from babel.messages.pofile import read_po

from bot.catalogs import LOCALES, catalog_folder
from handlers.core.model import MEETING_FOLLOW_UP, FollowUp, FollowUpStatus, Participant, Role, Status, work_follow_up
from handlers.core.program import load_program
from handlers.meetings.follow_up_steps import ABOUT_WORK, AFTER_MEETING, KEYS, STEPS, TYPED, Asking, ByRole, Step
from storage.export import FOLLOW_UP_ANSWERS

ASKED = datetime(2026, 11, 26, 16, 30, tzinfo=UTC)  # two hours after a meeting Thu, Nov 26, 9:00 in Toronto ends
LANGUAGES = load_program().languages


class CatalogReader:
    """A translator that notes every msgid it is asked for and answers with the msgid itself."""

    language = "en"

    def __init__(self) -> None:
        self.asked: set[str] = set()

    def gettext(self, message: str) -> str:
        self.asked.add(message)
        return message

    def ngettext(self, singular: str, plural: str, n: int) -> str:
        self.asked.add(singular)
        return singular if n == 1 else plural

    def pgettext(self, context: str, message: str) -> str:
        self.asked.add(message)
        return message


def person(role: Role, name: str) -> Participant:
    return Participant(
        id=1 if role is Role.CONNECTEE else 2,
        channel="telegram",
        user_id=101 if role is Role.CONNECTEE else 102,
        chat_id=101 if role is Role.CONNECTEE else 102,
        role=role,
        language="en",
        status=Status.SUBMITTED,
        consent_version="1",
        consented_at=ASKED,
        created_at=ASKED,
        updated_at=ASKED,
        answers={"name": name},
    )


def askings(step: Step, reader: CatalogReader) -> Iterator[Asking]:
    """The step put to each side, before and after a first referral, right after the meeting or a month on."""
    amal, priya = person(Role.CONNECTEE, "Amal Haddad"), person(Role.CONNECTOR, "Priya Sharma")
    kind = work_follow_up(30) if step.key in reached_from(ABOUT_WORK) else MEETING_FOLLOW_UP
    for asked, other in ((amal, priya), (priya, amal)):
        for referrals in (0, 1, 2):
            follow_up = FollowUp(
                id=7,
                meeting_id=3,
                participant_id=asked.id,
                role=asked.role,
                kind=kind,
                status=FollowUpStatus.ASKED,
                step=step.key,
                answers={"referral_count": referrals},
                asked_at=ASKED,
            )
            yield Asking(asked, other, follow_up, reader)


def next_steps(step: Step) -> set[str | None]:
    if isinstance(step.then, ByRole):
        return {step.then.connectee, step.then.connector}
    if isinstance(step.then, Mapping):
        return set(step.then.values())
    assert step.then is None or isinstance(step.then, str)
    return {step.then}


def reached_from(*first: str) -> set[str]:
    """The keys of the steps a follow-up that starts at `first` can come to."""
    reached: set[str] = set()
    waiting = list(first)
    while waiting:
        key = waiting.pop()
        if key not in reached:
            reached.add(key)
            (step,) = [step for step in STEPS if step.key == key]
            waiting += [following for following in next_steps(step) if following is not None]
    return reached


def test_every_step_is_reached_from_the_first_question_after_a_meeting_or_about_work() -> None:
    assert reached_from(AFTER_MEETING, ABOUT_WORK) == KEYS
    assert reached_from(ABOUT_WORK) == {"work", "helped"}


def test_every_next_step_is_a_step_of_the_table_and_every_key_is_named_once() -> None:
    assert len(STEPS) == len(KEYS)
    assert {AFTER_MEETING, ABOUT_WORK} <= KEYS
    unknown = {
        (step.key, following) for step in STEPS for following in next_steps(step) - {None} if following not in KEYS
    }
    assert unknown == set()


def test_the_stored_step_names_and_answer_keys_stay_those_of_existing_rows_and_the_export() -> None:
    assert KEYS == {
        "happened",
        "useful",
        "referrals",
        "ref_name",
        "ref_role",
        "ref_org",
        "next_step",
        "referred",
        "again",
        "no_show",
        "work",
        "helped",
    }
    assert TYPED == {"ref_name", "ref_role", "ref_org", "next_step"}
    stored = {step.answer for step in STEPS} - {None}
    assert stored == {*FOLLOW_UP_ANSWERS, "after_no_show"}


def test_every_button_shown_carries_a_value_its_step_takes() -> None:
    reader = CatalogReader()
    refused = [
        (step.key, value)
        for step in STEPS
        for asking in askings(step, reader)
        for value in (*step.choices_for(asking), *step.scale)
        if value not in step.accepts
    ]
    assert refused == []
    assert all(step.accepts == {"skip"} for step in STEPS if step.key in TYPED)


@pytest.mark.parametrize("language", LANGUAGES)
def test_every_question_and_choice_label_is_a_msgid_of_the_catalog(language: str) -> None:
    folder = catalog_folder(language)
    with (LOCALES / folder / "LC_MESSAGES" / "messages.po").open("rb") as source:
        msgids = {m.id if isinstance(m.id, str) else m.id[0] for m in read_po(source, locale=folder) if m.id}
    reader = CatalogReader()
    for step in STEPS:
        reader.asked |= set(step.choices.values())
        for asking in askings(step, reader):
            step.ask(asking)
            reader.asked |= set(step.choices_for(asking).values())
    assert len(reader.asked) > 2 * len(STEPS), "each step's text, and the labels of its buttons"
    assert sorted(reader.asked - msgids) == []
