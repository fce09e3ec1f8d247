"""What each sheet and column of the export holds: the definitions docs/export.md shows, and the
workbook's "about" sheet in the reader's language (tests/storage/test_export_about.py checks that the
two agree).
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Final

from handlers.core.translator import N_, Translator
from storage.export_formats import SUMMARY, SUMMARY_COLUMNS, Export
from storage.export_labels import LABEL_SUFFIX

# The about sheets' headings (the export's and the report's).
COLUMN: Final = N_("Column")
MEANING: Final = N_("Meaning")
SHEETS: Final = {
    SUMMARY: N_("the counts funders ask for, for the export's period"),
    "participants": N_("one row per registration, in id order"),
    "matches": N_("one row per proposal between a newcomer and a volunteer"),
    "meetings": N_("one row per booked meeting; a rescheduled meeting is a new row"),
    "follow_ups": N_(
        "one row per set of questions sent to one person after a meeting, or about work 30 and 90 days later"
    ),
    "referrals": N_("one row per contact a volunteer referred a newcomer to"),
}
COLUMNS: Final = {
    SUMMARY: {
        "measure": N_("what is counted (see docs/export.md)"),
        "count": N_("how many"),
        "since": N_("the period's start, empty when open"),
        "until": N_("the period's end, empty when open"),
    },
    "participants": {
        "id": N_("the registration's number"),
        "role": N_("connectee (newcomer) or connector (volunteer)"),
        "status": N_("in_progress (not submitted yet), submitted (waiting for review), approved or declined"),
        "language": N_("the language they chose in the chat"),
        "time_zone": N_("their own time zone if they set one, else empty: the program's"),
        "consent_version": N_("the version of the consent text they agreed to"),
        "consented_at": N_("when they agreed"),
        "created_at": N_("when the registration began"),
        "submitted_at": N_("when they submitted it"),
        "reviewed_at": N_("when a coordinator approved or declined it"),
        "paused_until": N_("a volunteer taking a break is not matched until then"),
        "unreachable_since": N_("when Telegram said they blocked the bot"),
        "answer_<key>": N_("their answer to the intake question of that key, as stored: a choice is its code"),
    },
    "matches": {
        "id": N_("the proposal's number"),
        "connectee_id": N_("the newcomer"),
        "connector_id": N_("the volunteer"),
        "status": N_("offered, proposed, confirmed (a meeting was booked), declined, expired or cancelled"),
        "reasons": N_("why this volunteer was suggested, in words"),
        "slot": N_("the meeting time last put on the table"),
        "ended_by": N_("who declined or cancelled: connectee or connector"),
        "created_at": N_("when the proposal was made"),
        "updated_at": N_("its last change"),
    },
    "meetings": {
        "id": N_("the meeting's number"),
        "match_id": N_("the proposal it came from"),
        "connectee_id": N_("the newcomer"),
        "connector_id": N_("the volunteer"),
        "starts_at": N_("when it starts"),
        "ends_at": N_("when it ends"),
        "mode": N_("in_person, video or phone"),
        "status": N_("scheduled, cancelled, or rescheduled (replaced by a new time)"),
        "outcome": N_("held, no_show, or empty: not known yet"),
        "absent_id": N_("for a no-show, who did not come"),
        "created_at": N_("when it was booked"),
    },
    "follow_ups": {
        "id": N_("the follow-up's number"),
        "meeting_id": N_("the meeting it is about"),
        "participant_id": N_("who was asked"),
        "role": N_("connectee or connector"),
        "kind": N_("meeting, work_30 or work_90"),
        "status": N_("asked (not finished) or done"),
        "asked_at": N_("when it was sent"),
        "nudged_at": N_("when a reminder was sent"),
        "answered_at": N_("when it was finished"),
        "happened": N_("did the meeting take place: yes, no_show, rescheduled"),
        "useful": N_("how useful, 1 to 5"),
        "next_step": N_("the next step they wrote"),
        "referred_count": N_("how many contacts the volunteer referred the newcomer to"),
        "again": N_("would the volunteer meet another newcomer: yes, not_now, pause"),
        "work": N_("employed_in_field, employed_outside_field, looking, studying, other"),
        "helped": N_("did the program help: yes, a_little, no"),
    },
    "referrals": {
        "id": N_("the referral's number"),
        "meeting_id": N_("the meeting after which it was recorded"),
        "connectee_id": N_("who was referred"),
        "connector_id": N_("by whom"),
        "name": N_("the contact's name, as the volunteer typed it"),
        "role": N_("the contact's role, as typed"),
        "organization": N_("the contact's organization, as typed"),
        "registered_id": N_("if the contact registered through their personal invitation link, their registration"),
        "created_at": N_("when it was recorded"),
    },
}
LABEL_MEANING: Final = N_("the column before, in words, in the export's language")
TIME_MEANING: Final = N_("Times are in the program's time zone, which each time column's header names.")


def meaning(sheet: str, column: str) -> str:
    """A column's definition (msgid): its own, an answer's, or a label's."""
    own = COLUMNS[sheet]
    if column in own:
        return own[column]
    if column.endswith(LABEL_SUFFIX):
        return LABEL_MEANING
    if column.startswith("answer_"):
        return own["answer_<key>"]
    raise KeyError(f"{sheet}.{column} has no definition in storage/export_about.py")


def about_sheet(t: Translator, export: Export) -> list[dict[str, str]]:
    """The workbook's "about" sheet: each sheet, then each of its columns, with what it holds."""
    sheet, column, holds = t.gettext("Sheet"), t.gettext(COLUMN), t.gettext(MEANING)
    columns: list[tuple[str, Sequence[str]]] = [(SUMMARY, SUMMARY_COLUMNS)]
    columns += [(each.name, each.columns) for each in export.sheets]
    rows = [{sheet: "", column: "", holds: t.gettext(TIME_MEANING)}]
    for name, names in columns:
        rows.append({sheet: name, column: "", holds: t.gettext(SHEETS[name])})
        rows += [{sheet: name, column: each, holds: t.gettext(meaning(name, each))} for each in names]
    return rows
