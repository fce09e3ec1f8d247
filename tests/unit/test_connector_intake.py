"""A volunteer registers."""

from __future__ import annotations

from handlers.core.model import Status
from tests.support.chat import ChatClient


async def register_connector(chat: ChatClient, meeting: str) -> None:
    await chat.send("/start")
    await chat.click("English")
    await chat.click("I am a volunteer")
    assert "introduce you to newcomers from your field" in chat.last.text
    await chat.click("I agree")
    await chat.send("Jordan")
    await chat.send("City of Kitchener")
    await chat.send("Senior engineer")
    await chat.click("Engineering")
    await chat.click("Information technology")
    await chat.click("Done")
    await chat.click("English")
    await chat.click("French")
    await chat.click("Done")
    await chat.click("An informational meeting")
    await chat.click("Introductions to about three contacts")
    await chat.click("Done")
    await chat.click("Tue noon")
    await chat.click("Thu eve")
    await chat.click("Done")
    await chat.click(meeting)


async def test_a_connector_meeting_in_person_is_asked_for_the_area() -> None:
    chat = ChatClient()
    await register_connector(chat, "In person")
    assert "In which communities could you meet a newcomer in person?" in chat.last.text
    await chat.click("Waterloo")
    await chat.click("Kitchener")
    await chat.click("Done")
    assert "Where could you meet in person?" in chat.last.text
    await chat.send("Uptown Waterloo")
    assert "How many newcomers could you meet each month?" in chat.last.text
    assert chat.last.labels() == ["1", "2", "3", "4"]
    await chat.click("2")
    await chat.click("Skip")
    await chat.send("jordan@example.org")
    assert "Meeting area: Uptown Waterloo" in chat.last.text
    assert "Per month: 2" in chat.last.text
    await chat.click("Submit")
    assert "Your registration as a volunteer is submitted." in chat.last.text
    participant = chat.participant
    assert participant.status is Status.SUBMITTED
    assert participant.answers["sectors"] == ["engineering", "it"]
    assert participant.answers["offers"] == ["meeting", "introductions"]
    assert participant.answers["availability"] == ["tue-midday", "thu-evening"]
    assert participant.answers["capacity"] == 2
    assert participant.answers["meeting_communities"] == ["kitchener", "waterloo"]
    assert participant.answers["phone"] is None


async def test_a_connector_meeting_by_video_is_not_asked_for_an_area_and_a_changed_mode_forgets_it() -> None:
    chat = ChatClient()
    await register_connector(chat, "In person")
    await chat.click("Cambridge")
    await chat.click("Done")
    await chat.send("Uptown Waterloo")
    for _ in range(3):  # the number per month, the area, the communities
        await chat.send("/back")
    assert "How would you like to meet?" in chat.last.text
    await chat.click("Video call")
    assert "meeting_area" not in chat.participant.answers
    assert "meeting_communities" not in chat.participant.answers
    assert "How many newcomers could you meet each month?" in chat.last.text
    await chat.send("9")
    assert chat.screen[-2].text == "Please choose a number from 1 to 4."
    await chat.send("3")
    assert chat.participant.answers["capacity"] == 3


async def test_a_french_connector_registers_entirely_in_french() -> None:
    chat = ChatClient(language_code="fr")
    t = chat.text
    await chat.send("/start")
    await chat.click("Français")
    await chat.click(t("I am a volunteer"))
    await chat.click(t("I agree", "consent"))
    for typed in ("Jordan", "Ville de Kitchener", "Urbaniste"):
        await chat.send(typed)
    for labels in (["Government and public service"], ["French"], ["A job shadow"]):
        for label in labels:
            await chat.click(t(label))
        await chat.click(t("Done"))
    await chat.click(t("{day} {time}").format(day="lun.", time=t("am")))
    await chat.click(t("Done"))
    await chat.click(t("Video call"))
    assert t("How many newcomers could you meet each month?") in chat.last.text
    await chat.click("1")
    await chat.click(t("Skip"))
    await chat.click(t("Skip"))
    review = chat.last.text
    assert review.startswith(t("Please check your answers. Tap an answer's button to change it, or Submit."))
    assert t("{label}: {answer}", "field").format(label=t("Organization"), answer="Ville de Kitchener") in review
    assert "Please" not in review and "Question" not in review
    await chat.click(t("Submit"))
    assert chat.last.text.startswith(
        t(
            "Thank you, {name}! Your registration as a volunteer is submitted.\n\n"
            "What happens next: a coordinator reviews it, then we send you here a short "
            "introduction to a newcomer from your field, with a few meeting times to choose "
            "from. Send /status at any time to see where things stand."
        ).format(name="Jordan")[:30]
    )
    assert chat.participant.answers["availability"] == ["mon-morning"]
    assert chat.participant.language == "fr"


async def test_the_count_never_grows_when_the_questions_for_meeting_in_person_appear() -> None:
    chat = ChatClient()
    await register_connector(chat, "In person")
    seen = [text.split("\n")[0] for text in chat.texts() if text.startswith("Question ")]
    assert seen[0] == "Question 1 of 13" and seen[-1] == "Question 9 of 13"
    assert {line.rsplit(" ", 1)[1] for line in seen} == {"13"}


async def test_the_count_shrinks_without_a_jump_for_a_volunteer_meeting_by_video() -> None:
    chat = ChatClient()
    await register_connector(chat, "Video call")
    assert chat.screen[-2].text.startswith("How would you like to meet?")
    assert chat.last.text.startswith("Question 9 of 11\n\nHow many newcomers could you meet each month?")


async def test_a_chinese_volunteer_sees_the_same_stable_count() -> None:
    chat = ChatClient(language_code="zh-Hans")
    await chat.send("/start")
    await chat.click("简体中文")
    await chat.send("2")
    await chat.send("是")
    assert chat.last.text.startswith("第 1 题，共 13 题")
