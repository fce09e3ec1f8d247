"""Near misses caught kindly: "Did you mean amina@gmail.com?", "Did you mean 1985?", with Yes and No."""

from __future__ import annotations

from tests.support.chat import ChatClient
from tests.unit.test_connectee_intake import answer_until, start_as_newcomer


async def at(chat: ChatClient, key: str) -> ChatClient:
    await start_as_newcomer(chat)
    await answer_until(chat, key)
    return chat


async def at_the_email_question() -> ChatClient:
    chat = await at(ChatClient(), "phone")
    await chat.click("Skip")
    return chat


async def test_a_swapped_letter_in_gmail_is_caught_and_yes_takes_the_corrected_address() -> None:
    chat = await at_the_email_question()
    await chat.send("amina@gmial.com")
    assert chat.last.text == "Did you mean amina@gmail.com?"
    assert chat.last.labels() == ["Yes", "No"]
    assert "email" not in chat.participant.answers, "nothing stored before Yes or No"
    await chat.click("Yes")
    assert chat.participant.answers["email"] == "amina@gmail.com"
    assert "Do you have a LinkedIn profile" in chat.last.text


async def test_no_keeps_the_address_as_typed() -> None:
    chat = await at_the_email_question()
    await chat.send("amina@gmail.con")
    assert chat.last.text == "Did you mean amina@gmail.com?"
    await chat.send("no")
    assert chat.participant.answers["email"] == "amina@gmail.con"


async def test_an_address_at_a_domain_far_from_the_common_ones_is_taken_at_once() -> None:
    chat = await at_the_email_question()
    await chat.send("amina@uwaterloo.ca")
    assert chat.participant.answers["email"] == "amina@uwaterloo.ca"
    await chat.send("/back")
    await chat.send("amina@yahoo.ca")  # a common domain itself, however close to yahoo.com
    assert chat.participant.answers["email"] == "amina@yahoo.ca"


async def test_a_two_digit_year_is_read_as_the_year_it_most_likely_is() -> None:
    chat = await at(ChatClient(), "arrival_year")
    await chat.send("85")
    assert chat.last.text == "Did you mean 1985?"
    await chat.click("Yes")
    assert chat.participant.answers["arrival_year"] == 1985
    await chat.send("/back")
    await chat.send("23")
    assert chat.last.text == "Did you mean 2023?"
    await chat.click("No")
    assert chat.screen[-2].text == "Please type the year as four digits, for example 2026."
    assert chat.participant.answers["arrival_year"] == 1985


async def test_the_year_question_and_its_error_give_the_same_example() -> None:
    chat = await at(ChatClient(), "arrival_year")
    assert chat.last.text.endswith(
        "In which year did you arrive in Canada?\n\nPlease type the year as four digits, for example 2026."
    )
    await chat.send("the year before last")
    assert chat.screen[-2].text == "Please type the year as four digits, for example 2026."


async def test_a_french_reader_answers_oui_to_did_you_mean() -> None:
    chat = ChatClient(language_code="fr")
    await chat.send("/start")
    await chat.click("Français")
    await chat.send("1")
    await chat.send("oui")
    await chat.send("Amina")
    await chat.click("Kitchener")
    await chat.send("2")
    await chat.send("99")
    assert chat.last.text == "Vouliez-vous dire 1999?"
    await chat.send("oui")
    assert chat.participant.answers["arrival_year"] == 1999


async def test_a_chinese_reader_is_asked_about_a_mistyped_address_in_chinese() -> None:
    chat = await at_the_email_question()
    await chat.send("/language")
    await chat.click("简体中文")
    await chat.send("amina@hotmial.com")
    assert chat.last.text == "您是指 amina@hotmail.com 吗？"
    await chat.send("是")
    assert chat.participant.answers["email"] == "amina@hotmail.com"


async def test_an_address_typed_in_a_chinese_keyboard_s_full_width_letters_is_stored_as_it_is_mailed() -> None:
    # A Chinese input method left in full-width mode types ＠ and ａ; a sentence ends with 。
    for typed in ("wang＠qq.com", "ｗａｎｇ@qq.com", "ｗａｎｇ＠ｑｑ．ｃｏｍ", "wang@qq.com。"):
        chat = await at_the_email_question()
        await chat.send("/language")
        await chat.click("简体中文")
        await chat.send(typed)
        assert chat.participant.answers.get("email") == "wang@qq.com", typed


async def test_a_link_typed_in_full_width_letters_or_ending_a_chinese_sentence_is_stored_as_it_opens() -> None:
    for typed in ("ｌｉｎｋｅｄｉｎ．ｃｏｍ／ｉｎ／ｗａｎｇ", "linkedin.com/in/wang。"):
        chat = await at(ChatClient(), "phone")
        await chat.click("Skip")
        await chat.click("Skip")
        await chat.send("/language")
        await chat.click("简体中文")
        await chat.send(typed)
        assert chat.participant.answers.get("profile_link") == "https://linkedin.com/in/wang", typed
