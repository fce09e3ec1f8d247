"""Every text is translated in every shipped language, with the msgid's placeholders intact."""

from __future__ import annotations

import re
import subprocess
import sys
from pathlib import Path

import pytest
from babel.messages.catalog import Catalog, Message
from babel.messages.plurals import get_plural
from babel.messages.pofile import read_po

from bot.catalogs import LOCALES, PROJECT_CATALOGS, catalog_folder
from bot.channels import telegram_capabilities
from handlers.core.program import load_program

ROOT = Path(__file__).resolve().parents[2]
LANGUAGES = load_program().languages
PLACEHOLDER = re.compile(r"\{[^{}]*\}")
TELEGRAM_TEXT_LIMIT = telegram_capabilities.capabilities(bot_username=None).most_text_chars


def catalog(language: str) -> Catalog:
    folder = catalog_folder(language)
    with (LOCALES / folder / "LC_MESSAGES" / "messages.po").open("rb") as source:
        return read_po(source, locale=folder)


@pytest.mark.parametrize("language", LANGUAGES)
def test_plural_forms_follow_babels_rules_for_the_language(language: str) -> None:
    po = catalog(language)
    expected = get_plural(catalog_folder(language))
    assert (po.num_plurals, po.plural_expr) == (expected.num_plurals, expected.plural_expr)
    for message in po:
        if isinstance(message.id, tuple):
            assert len(message.string) == expected.num_plurals, message.id[0]


WORK_SEARCH = (
    "Hello {name}! It has been {days} day since you met {other}. How is your work search going?",
    "Hello {name}! It has been {days} days since you met {other}. How is your work search going?",
)


@pytest.mark.parametrize(
    ("language", "days", "words"),
    [
        # One and two are said in words, with no digit: "يوم واحد", "يومان".
        ("ar", 1, "مرّ يوم واحد على"),
        ("ar", 2, "مرّ يومان على"),
        ("ar", 3, "{days} أيام"),
        # 11 to 99 take the accusative singular: the work follow-ups come 30 and 90 days after a meeting.
        ("ar", 30, "{days} يومًا"),
        ("ar", 90, "{days} يومًا"),
        ("ar", 100, "{days} يوم على"),
        ("fr", 0, "{days} jour "),
        ("fr", 30, "{days} jours"),
        ("es", 30, "{days} días"),
        ("fa", 30, "{days} روز"),
    ],
)
def test_a_number_of_days_takes_the_form_its_language_gives_it(language: str, days: int, words: str) -> None:
    text = PROJECT_CATALOGS.translator(language).ngettext(*WORK_SEARCH, days)
    assert words in text


@pytest.mark.parametrize("language", LANGUAGES)
def test_every_message_fits_one_telegram_message_when_rendered(language: str) -> None:
    """Each placeholder filled with 200 characters, more than any one answer or name shown in it."""
    for message in catalog(language):
        strings = message.string if isinstance(message.string, tuple) else (message.string,)
        for string in strings:
            rendered = PLACEHOLDER.sub("x" * 200, string)
            assert len(rendered) <= TELEGRAM_TEXT_LIMIT, message.id


# Arabic says one and two in the noun's own form ("ساعة", "ساعتان"): the forms for exactly 1 and 2
# carry no digit ("بعد ساعتين", never "بعد 2 ساعتين"). Every other form of every language shows it.
SAID_IN_WORDS = {("ar", 1), ("ar", 2)}
COUNTED = re.compile(r"\{(count|hours|days)\}")


def test_every_plural_message_counts_with_a_named_number() -> None:
    """The counted placeholder is known by name, so the forms said in words can be checked."""
    for message in catalog("en"):
        if isinstance(message.id, tuple):
            assert len(COUNTED.findall(message.id[1])) == 1, message.id[1]


@pytest.mark.parametrize("language", LANGUAGES)
def test_every_number_is_written_in_latin_digits(language: str) -> None:
    """One numbering system everywhere, chosen once (README, Translating): the digits people type
    back (/pause 12, a year, a phone number) are the digits they read."""
    foreign = [
        string[:70]
        for message in catalog(language)
        for string in (message.string if isinstance(message.string, tuple) else (message.string,))
        if any(character.isdigit() and not character.isascii() for character in string)
    ]
    assert foreign == []


@pytest.mark.parametrize("language", LANGUAGES)
def test_every_message_is_translated_with_the_same_placeholders(language: str) -> None:
    problems = []
    for message in catalog(language):
        if not message.id:
            continue
        ids = message.id if isinstance(message.id, tuple) else (message.id,)
        strings = message.string if isinstance(message.string, tuple) else (message.string,)
        if message.fuzzy or not all(strings):
            problems.append(f"untranslated or fuzzy: {ids[0][:70]!r}")
        expected = sorted(PLACEHOLDER.findall(ids[-1]))
        for form, string in enumerate(strings):
            wanted = expected
            if isinstance(message.id, tuple) and (language, form) in SAID_IN_WORDS:
                wanted = [name for name in expected if not COUNTED.fullmatch(name)]
            if sorted(PLACEHOLDER.findall(string)) != wanted:
                problems.append(f"placeholders differ: {ids[0][:70]!r} -> {string[:70]!r}")
    assert problems == []


@pytest.fixture(scope="module")
def fresh_template(tmp_path_factory: pytest.TempPathFactory) -> Catalog:
    """The messages of the code and forms as they are now, extracted afresh (not the committed .pot)."""
    pot = tmp_path_factory.mktemp("extract") / "messages.pot"
    subprocess.run(
        [Path(sys.executable).with_name("pybabel"), "extract", "-F", "locales/babel.cfg", "-k", "N_", "-o", pot, "."],
        cwd=ROOT,
        check=True,
        capture_output=True,
    )
    with pot.open("rb") as source:
        return read_po(source)


def entry(message: Message) -> tuple[str | None, str]:
    return message.context, message.id if isinstance(message.id, str) else message.id[0]


@pytest.mark.parametrize("language", LANGUAGES)
def test_every_message_of_the_code_and_forms_is_in_the_catalog(language: str, fresh_template: Catalog) -> None:
    """A text added to the code or forms without a translation fails here."""
    wanted = {entry(m) for m in fresh_template if m.id}
    have = {entry(m) for m in catalog(language) if m.id}
    assert sorted(wanted - have, key=str) == []


def test_one_english_text_has_one_meaning_or_a_context(fresh_template: Catalog) -> None:
    """A text asked for from two modules without a context would be translated once for two
    senses ("No, keep it": the meeting, or one's data). Each such use names its sense with
    `t.pgettext`; repeats within one module are one sense, one place."""
    shared = {
        entry(m)[1][:60]: sorted({path for path, _ in m.locations})
        for m in fresh_template
        if m.id and m.context is None and len({path for path, _ in m.locations}) > 1
    }
    assert shared == {}


GLOSSARY = ROOT / "docs" / "glossary.md"
INTERNAL = re.compile(r"connect(ee|or)", re.IGNORECASE)
# The export's "about" sheet explains the values of its role and ended_by columns, which are the
# program's internal words (data that scripts read). Nothing else anyone reads may name them, not
# even coordinators (docs/glossary.md).
COLUMN_VALUES = frozenset(
    {
        "connectee (newcomer) or connector (volunteer)",  # participants.role
        "who declined or cancelled: connectee or connector",  # matches.ended_by
        "connectee or connector",  # follow_ups.role
    }
)


def glossary() -> dict[str, tuple[str, str]]:
    rows = [line.split("|")[1:4] for line in GLOSSARY.read_text(encoding="utf-8").splitlines() if line.startswith("| ")]
    return {cells[0].strip(): (cells[1].strip(), cells[2].strip()) for cells in rows[1:]}


def names_internal_words(texts: str | tuple[str, ...]) -> bool:
    """Whether what people read says "connectee" or "connector" (a {placeholder}'s name is not read)."""
    return bool(INTERNAL.search(PLACEHOLDER.sub("", " ".join(texts if isinstance(texts, tuple) else (texts,)))))


def test_nobody_reads_the_programs_internal_words(fresh_template: Catalog) -> None:
    shown = [
        entry(m)[1][:60]
        for m in fresh_template
        if m.id and entry(m)[1] not in COLUMN_VALUES and names_internal_words(m.id)
    ]
    assert shown == []


@pytest.mark.parametrize("language", LANGUAGES)
def test_no_translation_uses_the_programs_internal_words(language: str) -> None:
    shown = [
        entry(m)[1][:60]
        for m in catalog(language)
        if m.id and entry(m)[1] not in COLUMN_VALUES and names_internal_words(m.string)
    ]
    assert shown == []


@pytest.mark.parametrize("language", LANGUAGES)
def test_the_catalogs_use_the_glossarys_words(language: str) -> None:
    newcomer, volunteer = glossary()[language]
    t = PROJECT_CATALOGS.translator(language)
    assert (t.gettext("newcomer"), t.gettext("volunteer")) == (newcomer, volunteer)
    assert volunteer.casefold() in t.gettext("I am a volunteer").casefold(), "the volunteer's role button"
