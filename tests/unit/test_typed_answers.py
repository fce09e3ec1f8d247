"""Typing where buttons are shown: a label, a button's number or a yes is taken as the press, in any language."""

from __future__ import annotations

from handlers.core.model import Step
from tests.support.chat import ChatClient
from tests.unit.test_connectee_intake import answer_until, start_as_newcomer


async def chinese_newcomer_asked_to_agree() -> ChatClient:
    """A newcomer whose phone is in Chinese, at the consent, having typed her role ("I just arrived")."""
    chat = ChatClient(language_code="zh-Hans")
    await chat.send("/start")
    await chat.click("简体中文")
    await chat.send("我刚来到本地区")
    return chat


async def test_a_newcomer_who_types_instead_of_tapping_registers_just_the_same() -> None:
    chat = ChatClient()
    await chat.send("/start")
    await chat.send("english")
    await chat.send("I am NEW to the region")
    await chat.send("yes")
    assert chat.conversation.step is Step.QUESTION
    await chat.send("Amal")
    await chat.send("kitchener")
    assert chat.participant.answers["community"] == "kitchener"
    assert chat.screen[-2].text == "✔ Kitchener", "what was taken, before the next question"
    await chat.send("3")  # the third button: Refugee
    assert chat.participant.answers["situation"] == "refugee"
    await answer_until(chat, "languages")
    await chat.send("ARABIC")
    await chat.send("english")
    assert "✅ Arabic" in chat.last.labels() and "✅ English" in chat.last.labels()
    await chat.send("done")
    assert chat.participant.answers["languages"] == ["en", "ar"]


async def test_a_french_reader_types_oui_and_labels_without_their_accents_or_a_word_of_one() -> None:
    chat = ChatClient(language_code="fr")
    await chat.send("/start")
    await chat.send("francais")
    assert chat.last.text.startswith("Venez-vous d'arriver dans la région")
    await chat.send("1")
    consent = chat.last.text
    await chat.send("Oui")
    assert chat.conversation.step is Step.QUESTION
    assert chat.screen[-3].text == consent, "the terms as they were shown, once"
    assert chat.screen[-2].text == "✔ J'accepte", "the answer alone: the terms are not sent again"
    assert "Comment aimeriez-vous que nous vous appelions?" in chat.last.text
    await chat.send("Amal")
    await chat.send("Kitchener")
    await chat.send("réfugié")  # the start of a word of "Personne réfugiée"
    assert chat.screen[-2].text == "✔ Personne réfugiée"
    await chat.send("/cancel")
    await chat.send("non")
    assert chat.conversation.step is Step.QUESTION
    assert chat.participant.answers == {"name": "Amal", "community": "kitchener", "situation": "refugee"}
    await chat.send("/cancel")
    await chat.send("OUI, ARRETER ET EFFACER")
    assert chat.participants.rows == {}


async def test_an_arabic_reader_types_naam_to_agree() -> None:
    chat = ChatClient(language_code="ar")
    await chat.send("/start")
    await chat.click("العربية")
    await chat.send("١")  # the first button, in Arabic-Indic digits
    assert chat.conversation.step is Step.CONSENT
    await chat.send("نعم")
    assert chat.conversation.step is Step.QUESTION
    assert chat.screen[-2].text == "✔ أوافق"
    await chat.send("أمل")
    await chat.send("لاجئ")  # no such community: the question comes again, nothing is lost
    assert chat.conversation.question == "community" and chat.participant.answers == {"name": "أمل"}


async def test_a_chinese_reader_types_shi_to_agree_and_a_label_to_answer() -> None:
    chat = await chinese_newcomer_asked_to_agree()
    await chat.send("是")
    await chat.send("阿玛尔")
    await chat.send("Kitchener")
    await chat.send("难民")
    assert chat.participant.answers == {"name": "阿玛尔", "community": "kitchener", "situation": "refugee"}


async def test_typing_at_the_consent_step_points_to_the_buttons_without_repeating_the_terms() -> None:
    chat = ChatClient()
    await chat.send("/start")
    await chat.click("English")
    await chat.click("I am new to the region")
    await chat.send("what does this mean?")
    assert chat.last.text == "Please tap “I agree” or “Not now” under the text above."
    assert chat.conversation.step is Step.CONSENT and chat.participants.rows == {}
    await chat.send("no")
    assert chat.conversation.step is Step.IDLE and chat.participants.rows == {}


async def test_a_number_out_of_range_or_a_word_that_names_no_button_asks_again() -> None:
    chat = ChatClient()
    await start_as_newcomer(chat)
    await answer_until(chat, "situation")
    question = chat.last.text
    await chat.send("9")
    assert chat.screen[-2].text == "Please tap one of the buttons below."
    assert chat.last.text == question
    await chat.send("yes")  # a choice of situations is no yes/no question
    assert chat.last.text == question and "situation" not in chat.participant.answers


async def test_a_label_missed_by_a_letter_is_offered_never_taken_behind_the_persons_back() -> None:
    chat = ChatClient()
    await start_as_newcomer(chat)
    await chat.send("Amal")
    await chat.send("Kitchner")
    assert chat.last.text == "Did you mean Kitchener?" and chat.last.labels() == ["Kitchener"]
    assert "community" not in chat.participant.answers
    await chat.click("Kitchener", on=chat.last)
    assert chat.participant.answers["community"] == "kitchener"


async def test_several_numbers_in_one_message_tick_each_of_those_boxes_and_never_untick_one() -> None:
    chat = ChatClient()
    await start_as_newcomer(chat)
    await answer_until(chat, "languages")
    await chat.send("Arabic")  # tapped, or typed, one at a time as before
    await chat.send("1, 3")  # English and Arabic: Arabic stays ticked
    assert [label for label in chat.last.labels() if label.startswith("✅")] == ["✅ English", "✅ Arabic"]
    assert chat.conversation.pending == ["en", "ar"] and "languages" not in chat.participant.answers
    await chat.send("done")
    assert chat.participant.answers["languages"] == ["en", "ar"]


async def test_a_number_that_is_no_box_is_said_kindly_and_the_others_are_ticked_all_the_same() -> None:
    chat = ChatClient()
    await start_as_newcomer(chat)
    await answer_until(chat, "languages")
    await chat.send("2 15")  # French, and Done's number: no box
    assert chat.screen[-2].text == (
        "There is no choice 15 here. To tick several at once, type their numbers from 1 to 14, such as “1 3”."
    )
    assert "Which languages do you speak?" in chat.last.text and "✅ French" in chat.last.labels()
    await chat.send("99 4")
    assert chat.screen[-2].text.startswith("There is no choice 99 here.")
    assert chat.conversation.pending == ["fr", "zh"], "French, ticked before, is kept"
    assert chat.conversation.question == "languages" and "languages" not in chat.participant.answers


async def test_an_arabic_reader_types_the_numbers_in_arabic_indic_digits() -> None:
    chat = ChatClient(language_code="ar")
    await chat.send("/start")
    await chat.click("العربية")
    await chat.send("١")  # a newcomer
    await chat.send("نعم")
    for typed in ("أمل", "Kitchener", "٣", "٢٠٢٣", "مهندسة مدنية", "١", "٣", "٤"):  # up to the languages
        await chat.send(typed)
    assert chat.conversation.question == "languages"
    await chat.send("١، ٣")
    assert chat.conversation.pending == ["en", "ar"]
    await chat.send("٢٠ ٢")
    assert chat.screen[-2].text.startswith("لا يوجد خيار 20")
    assert chat.conversation.pending == ["en", "fr", "ar"]


async def test_a_chinese_reader_agrees_with_tongyi_and_types_the_year_as_2023_nian() -> None:
    # "您同意吗？" is answered in Chinese by its verb, "同意"; a year is written "2023年".
    chat = await chinese_newcomer_asked_to_agree()
    await chat.send("同意")
    assert chat.conversation.step is Step.QUESTION
    assert chat.screen[-2].text == "✔ 我同意"
    for typed in ("阿玛尔", "Kitchener", "难民", "２０２３年"):
        await chat.send(typed)
    assert chat.participant.answers["arrival_year"] == 2023
    assert chat.conversation.question == "occupation"


async def test_a_chinese_reader_who_types_butongyi_does_not_agree() -> None:
    chat = await chinese_newcomer_asked_to_agree()
    await chat.send("不同意。")
    assert chat.conversation.step is Step.IDLE and chat.participants.rows == {}


async def test_a_year_with_the_word_for_year_or_era_is_taken_in_ukrainian_arabic_and_persian() -> None:
    for language, agree, typed in (
        ("uk", "згодна", "у 2023 р."),
        ("ar", "نعم", "٢٠٢٣م"),
        ("fa", "بله", "۲۰۲۳ میلادی"),
    ):
        chat = ChatClient(language_code=language)
        await chat.send("/start")
        await chat.send("1")  # the reader's own language, first
        await chat.send("1")  # a newcomer
        await chat.send(agree)
        assert chat.conversation.step is Step.QUESTION, language
        for answer in ("Amal", "Kitchener", "3", typed):
            await chat.send(answer)
        assert chat.participant.answers["arrival_year"] == 2023, language


async def test_a_year_among_other_numbers_is_still_asked_again() -> None:
    chat = ChatClient()
    await start_as_newcomer(chat)
    await answer_until(chat, "arrival_year")
    await chat.send("2022 or 2023")
    assert chat.screen[-2].text == "Please type the year as four digits, for example 2026."
    assert "arrival_year" not in chat.participant.answers
