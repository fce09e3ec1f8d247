"""Forms are data: the default program loads, and a broken program file is named precisely."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import pytest

from handlers.core.program import DEFAULT_PROGRAM_FILE, Kind, ProgramError, load_program


def test_the_default_program_has_both_forms_starting_with_consent() -> None:
    program = load_program()
    assert program.languages == ("en", "fr", "es", "ar", "zh-Hans", "pa", "tl", "ur", "fa", "uk")
    for role in ("connectee", "connector"):
        form = program.forms[role]
        assert form.questions[0].kind is Kind.CONSENT
    kinds = {q.kind for form in program.forms.values() for q in form.questions}
    assert kinds == set(Kind)


def broken(tmp_path: Path, old: str, new: str) -> Path:
    text = DEFAULT_PROGRAM_FILE.read_text(encoding="utf-8")
    assert old in text
    path = tmp_path / "program.toml"
    path.write_text(text.replace(old, new, 1), encoding="utf-8")
    return path


@pytest.mark.parametrize(
    ("old", "new", "message"),
    [
        ('kind = "year"', 'kind = "yeer"', "form 'connectee', question 'arrival_year': unknown kind 'yeer'"),
        (
            'communities = ["Kitchener",',
            'communities = ["台北", "Kitchener",',
            "list 'communities': option '台北' has no ASCII letter or digit to make its value of: "
            "write it as { value = \"…\", label = '台北', translate = false }",
        ),
        (
            'communities = ["Kitchener",',
            'communities = [" ", "Kitchener",',
            "list 'communities': an option's label is empty: it is the text of the option's button",
        ),
        (
            'label = "Accounting and finance"',
            'label = ""',
            "list 'sectors': an option's label is empty: it is the text of the option's button",
        ),
        ('options = "@sectors"', 'options = "@sector"', "question 'sector': options refer to unknown list '@sector'"),
        ("min = 1950", 'min = "long ago"', "question 'arrival_year': a year question needs whole-number min and max"),
        ('key = "community"', 'key = "name"', "question 'name': the key is used twice"),
        (
            'kind = "year"\nlabel = "Year arrived"\n',
            'kind = "year"\n',
            "question 'arrival_year': needs a label: its short name on the review screen, e.g. label = \"Year arrived\"",
        ),
        (
            "max_length = 120",
            "max_lenght = 120",
            "form 'connectee', question 'occupation': unknown field 'max_lenght' (known: key, kind, label, question,",
        ),
        (
            '{ value = "refugee", label = "Refugee" },',
            '{ value = "refugee", label = "Refugee" },\n  { value = "asylum", label = "refugee" },',
            "form 'connectee', question 'situation': two options share the label 'Refugee'",
        ),
        (
            'kind = "availability"',
            'kind = "availability"\ndays = ["mon", "caturday"]',
            "question 'availability': days must be a non-empty list of 'mon', 'tue', 'wed', 'thu', 'fri', 'sat', 'sun'",
        ),
        (
            'kind = "year"',
            'kind = "year"\nsensitive = true',
            "question 'arrival_year': only a choice question can be sensitive",
        ),
        (
            '{ value = "refugee", label = "Refugee" },',
            '{ value = "prefer_not", label = "Rather not" },',
            "question 'situation': a sensitive question adds the option 'prefer_not' itself",
        ),
        (
            'time_zone = "America/Toronto"',
            'time_zone = "Mars/Olympus"',
            "time_zone 'Mars/Olympus' is not an IANA time zone",
        ),
        ('in = ["in_person", "any"]', 'in = ["in_person", "teleport"]', "ask_if values ['teleport'] are not options"),
        ('name = { en = "Connector Program"', "name = [", "not valid TOML"),
        (
            'name = { en = "Connector Program", ',
            "name = { ",
            "[program] name: a table of translations needs the English text (en = …)",
        ),
        (
            '"North Dumfries" = ["Cambridge", "Kitchener"]',
            '"North Dumfries" = ["Cambridge", "Kitchner"]',
            "[matching] nearby names 'Kitchner', which is not a community (one of Kitchener, Waterloo,",
        ),
        (
            '["accounting", "admin"]',
            '["accounting", "finance"]',
            "[matching] related_sectors names 'finance', which is not a sector (one of accounting, admin,",
        ),
        (
            'outside_field = "coordinator"',
            'outside_field = "ask"',
            '[matching] outside_field must be "wait" or "offer" or "coordinator"',
        ),
        ("waiting_alert_days = 14", "waiting_alert_days = 0", "[matching] waiting_alert_days must be a whole number"),
        (
            "[whatsapp.templates]\n",
            '[whatsapp.templates]\nfr = { remind = "frontdoor_reminder" }\n',
            "[whatsapp.templates] fr: unknown template 'remind' (known: proposal, reminder, follow_up, nudge, update)",
        ),
        (
            "[whatsapp.templates]\n",
            '[whatsapp.templates]\nde = { reminder = "frontdoor_reminder" }\n',
            "[whatsapp.templates] 'de' is not one of the program's languages",
        ),
        (
            "[whatsapp.templates]\n",
            '[whatsapp.templates]\nfr = { reminder = "Frontdoor Reminder" }\n',
            "[whatsapp.templates] fr: reminder must be a name as Meta writes it",
        ),
    ],
)
def test_a_broken_program_file_names_the_file_the_question_and_the_problem(
    tmp_path: Path, old: str, new: str, message: str
) -> None:
    path = broken(tmp_path, old, new)
    with pytest.raises(ProgramError) as raised:
        load_program(path)
    assert str(raised.value).startswith(str(path))
    assert message in str(raised.value)


def test_the_bot_refuses_to_start_on_a_broken_program_file_with_one_line(tmp_path: Path) -> None:
    path = broken(tmp_path, 'kind = "year"', 'kind = "yeer"')
    result = subprocess.run(
        [sys.executable, "-m", "bot.cli", "chat"],
        env={"FRONTDOOR_PROGRAM_FILE": str(path), "PATH": "/usr/bin:/bin"},
        cwd=tmp_path,
        capture_output=True,
        text=True,
        input="",
        timeout=60,
    )
    assert result.returncode == 2
    assert result.stderr.strip().count("\n") == 0
    assert f"{path}: form 'connectee', question 'arrival_year': unknown kind 'yeer'" in result.stderr


def test_a_folder_named_as_the_program_file_is_one_line(tmp_path: Path) -> None:
    with pytest.raises(ProgramError, match="a folder; name the program file itself"):
        load_program(tmp_path)


def test_a_button_value_too_long_for_telegram_is_refused(tmp_path: Path) -> None:
    path = broken(tmp_path, 'value = "accounting"', 'value = "accounting-and-finance-xyz"')
    with pytest.raises(ProgramError, match="option value 'accounting-and-finance-xyz' must be 1-24"):
        load_program(path)


def test_the_default_program_says_who_can_meet_in_person_where_and_which_sectors_are_related() -> None:
    rules = load_program().matching
    assert rules.reachable("kitchener") == {"kitchener", "waterloo", "cambridge", "woolwich", "wilmot"}
    assert rules.reachable("north_dumfries") == {"north_dumfries", "cambridge", "kitchener"}
    assert rules.related("it") == {"engineering", "science"} and "it" in rules.related("engineering")
    assert rules.related("accounting") == {"admin"} and rules.related("other") == frozenset()
    assert (rules.outside_field.value, rules.waiting_alert_days) == ("coordinator", 14)
    asked = load_program().forms["connector"].question("meeting_communities")
    assert asked.kind is Kind.MULTI and asked.ask_if is not None and asked.ask_if.values == ("in_person", "any")
    assert [option.label for option in asked.options][:3] == ["Kitchener", "Waterloo", "Cambridge"]
