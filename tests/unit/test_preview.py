"""`frontdoor preview`: the page a translator reviews, with each message's id beside it."""

from __future__ import annotations

from dataclasses import replace
from pathlib import Path

import pytest

from bot.catalogs import LOCALES
from bot.channels import telegram_capabilities
from bot.cli import main
from bot.preview import journey, page
from bot.preview.recording import RecordingCatalogs, message_id, plain, used_in
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
