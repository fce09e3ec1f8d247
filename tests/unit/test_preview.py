"""`frontdoor preview`: the page a translator reviews, with each message's id beside it."""

from __future__ import annotations

import re
from dataclasses import replace
from pathlib import Path

import pytest
from babel.messages.pofile import read_po

from bot.catalogs import LOCALES
from bot.channels import telegram_capabilities
from bot.cli import main
from bot.preview import catalog, journey, page
from bot.preview.recording import RecordingCatalogs, Used, message_id, plain, used_in
from bot.preview.stage import Bubble, Phone, Scene
from handlers.core.events import Button
from handlers.core.program import load_program

TELEGRAM = telegram_capabilities.capabilities(bot_username=None)


def test_a_message_has_one_short_id_in_every_language_and_its_context_makes_another() -> None:
    assert message_id("Submit") == message_id("Submit")
    assert len(message_id("Submit")) == 6
    assert message_id("No, keep it", "meeting") != message_id("No, keep it", "my data") != message_id("No, keep it")


def test_the_messages_a_reply_is_made_of_are_named_with_their_english_text() -> None:
    catalogs = RecordingCatalogs()
    t = catalogs.translator("ar")
    text = (
        t.gettext("Question {number} of {total}").format(number=3, total=16)
        + "\n\n"
        + t.gettext("Which community do you live in?")
    )
    t.gettext("Submit")  # asked for, but not in this reply
    named = used_in(text, catalogs.used)
    assert [entry.msgid for entry in named] == ["Question {number} of {total}", "Which community do you live in?"]
    assert named[0].id == message_id("Question {number} of {total}")


@pytest.mark.parametrize(("language", "direction"), [("ar", "rtl"), ("ur", "rtl"), ("fa", "rtl"), ("en", "ltr")])
def test_the_page_reads_in_its_language_s_direction_and_shows_words_as_words(language: str, direction: str) -> None:
    words = '<script>alert("x")</script> & <b>'
    bubble = Bubble(1, words, buttons=((Button('"Yes" <i>', "x"),),))
    played = journey.Journey(language, "connectee", Phone(1, language, [Scene("A <part>", [bubble])]))
    html = page.render(played)
    assert f'<html lang="{language}" dir="{direction}">' in html
    assert "<script>" not in html and "<b>" not in html and "<i>" not in html
    assert "&lt;script&gt;alert(&quot;x&quot;)&lt;/script&gt; &amp; &lt;b&gt;" in html
    assert "A &lt;part&gt;" in html
    assert "· newcomer</h1>" in html and "connectee" not in html, "the page names whose chat it is as people do"


async def test_the_arabic_newcomer_s_preview_shows_every_question_and_error_in_arabic() -> None:
    program = load_program()
    played = await journey.play(program, LOCALES, "ar", "connectee")
    assert played.missing == []
    bubbles = played.phone.bubbles()
    t = RecordingCatalogs().translator("ar")
    shown = plain("\n".join(bubble.text for bubble in bubbles))  # without the isolates around Latin words
    for question in program.forms["connectee"].questions:
        assert t.gettext(question.text).split("\n")[0] in shown, question.key
    ids = {entry.id for bubble in bubbles for entry in bubble.used}
    for error in (
        "Please type the year as four digits, for example {example}.",
        "That does not look like an e-mail address. Please check it (like name@example.com), or tap Skip.",
        "That does not look like a phone number. Please type it with the area code, "
        "for example 519 555 0123, or tap Skip.",
        "Please tap one of the buttons below.",
        "Please check your answers. Tap an answer's button to change it, or Submit.",
        "Hello {name}! How did your meeting with {other} go? Did it take place?",
    ):
        assert message_id(error) in ids, error
    on_buttons = {entry.id for bubble in bubbles for entries in bubble.button_used.values() for entry in entries}
    assert message_id("No, keep it", "my data") in on_buttons  # /delete's, in its own sense
    assert "أمل حداد" in shown  # what the Arabic newcomer types is Arabic
    assert [bubble.text for bubble in bubbles if not bubble.incoming][:1] == ["/start"]


def test_the_command_writes_the_page_and_refuses_a_language_the_program_does_not_offer(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    with pytest.raises(SystemExit) as refused:
        main(["preview", "--language", "de", "--out", str(tmp_path / "de.html")])
    assert refused.value.code == 2
    assert "--language 'de' is not one of" in capsys.readouterr().err
    with pytest.raises(SystemExit) as done:
        main(["preview", "--language", "uk", "--role", "coordinator", "--out", str(tmp_path / "uk.html")])
    assert done.value.code == 0
    assert '<html lang="uk" dir="ltr">' in (tmp_path / "uk.html").read_text(encoding="utf-8")


def test_buttons_go_side_by_side_only_while_each_label_shows_in_full() -> None:
    def labels(*texts: str) -> list[Button]:
        return [Button(text, str(i)) for i, text in enumerate(texts)]

    def rows(laid: list[tuple[Button, ...]]) -> list[list[str]]:
        return [[button.label for button in row] for row in laid]

    assert rows(TELEGRAM.rows(labels("Mon am", "Mon noon", "Mon pm", "Mon eve"))) == [
        ["Mon am", "Mon noon", "Mon pm", "Mon eve"]
    ]
    assert rows(TELEGRAM.rows(labels("صباح الخميس", "ظهر الخميس", "عصر الخميس", "مساء الخميس"))) == [
        ["صباح الخميس", "ظهر الخميس", "عصر الخميس"],
        ["مساء الخميس"],
    ]
    sectors = labels("Administration and office support", "Education", "Engineering", "Law")
    assert rows(TELEGRAM.rows(sectors, 2)) == [
        ["Administration and office support"],
        ["Education"],
        ["Engineering"],
        ["Law"],
    ], "one long label sets the whole list's grid"
    # Room for the tick a press adds: four "Mon am" fit, four "✅ Mon noon" would not.
    assert len(TELEGRAM.rows(labels("Mon am", "Mon noon", "Mon pm", "Mon eve"), room="✅ ")) == 2
    # A wide (CJK) character takes two: eight of them do not go four to a row.
    assert len(TELEGRAM.rows(labels("星期二上午", "星期二中午", "星期二下午", "星期二晚上"))) == 2
    assert len(replace(TELEGRAM, buttons_per_row=2).rows(labels("1", "2", "3"))) == 2


def ids_on(html: str) -> set[str]:
    return set(re.findall(r">#([a-z2-7]{6})<", html))


def test_every_message_of_the_catalog_is_on_a_page_for_the_translator_to_review() -> None:
    """The script cannot play every turn (an unknown command, /link, /match, a failed export...), yet each
    message it skips is one a person may receive: the three pages show every entry of messages.pot."""
    with (LOCALES / "messages.pot").open("rb") as pot:
        template = read_po(pot)
    every = {message_id(str(m.id[0] if isinstance(m.id, tuple) else m.id), m.context) for m in template if m.id}
    arabic = catalog.entries(LOCALES, "ar")
    pages = {role: page.render(journey.Journey("ar", role, Phone(1, "ar")), arabic) for role in page.READERS}
    assert every - set().union(*(ids_on(html) for html in pages.values())) == set()
    newcomer, coordinator = ids_on(pages["connectee"]), ids_on(pages["coordinator"])
    assert message_id("Sorry, I do not know that command. Send /help to see what I can do.") in newcomer
    assert message_id("No applications are waiting for review.") in coordinator
    assert message_id("No applications are waiting for review.") not in newcomer, "only coordinators get it"


def test_a_message_the_chat_shows_is_not_listed_again_after_it() -> None:
    submit = catalog.entries(LOCALES, "ar")
    shown = next(entry for entry in submit if entry.msgid == "Submit")
    used = [Used(shown.id, "Submit", "إرسال")]
    bubble = Bubble(1, "…", buttons=((Button("إرسال", "x"),),), button_used={"إرسال": used})
    html = page.render(journey.Journey("ar", "connectee", Phone(1, "ar", [Scene("Review", [bubble])])), submit)
    assert html.count(f">#{shown.id}<") == 1


def test_an_arabic_plural_shows_its_six_forms_each_after_a_number_that_takes_it() -> None:
    """The chat shows "بعد ساعتين" once: the reviewer must see the forms for 0, 1, 2, 3, 11 and 100 too."""
    arabic = catalog.entries(LOCALES, "ar")
    hours = next(entry for entry in arabic if entry.msgid == "{count} hour")
    assert [form.example for form in hours.forms] == [0, 1, 2, 3, 11, 100]
    html = page.render(journey.Journey("ar", "coordinator", Phone(1, "ar")), arabic)
    shown = html[html.index(f">#{hours.id}<") - 2000 : html.index(f">#{hours.id}<")]
    for form in hours.forms:
        assert f'<span class="n" dir="ltr">n = {form.example}:</span> {form.text}</span>' in shown
    assert '<span class="form" dir="rtl">' in shown, "a form beginning with {count} still reads right to left"
    assert "ساعة واحدة" in shown and "ساعتين" in shown
    chinese = next(entry for entry in catalog.entries(LOCALES, "zh-Hans") if entry.msgid == "{count} hour")
    assert [form.example for form in chinese.forms] == [0], "one form where the language has one"
