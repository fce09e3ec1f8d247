"""End to end (issue 23): a French and Arabic speaking nurse is never proposed to a volunteer she shares no
language with; the coordinators are told why; a French-speaking health-care volunteer is proposed to her
once approved, and the offer she reads says how they will meet before she accepts."""

from __future__ import annotations

from datetime import UTC, datetime

from bot.catalogs import PROJECT_CATALOGS
from handlers.core.program import load_program
from handlers.core.render import weekday_names
from tests.e2e.bot_process import BotProcess
from tests.e2e.emulator import BotApiEmulator
from tests.e2e.people import COORDINATOR, Script, approve_everyone, jobs_run, run_script
from tests.e2e.person import Person
from tests.support import driver
from tests.support.personas import INTRODUCTION, OFFER

FRENCH = PROJECT_CATALOGS.translator("fr")
FR = driver.reader(FRENCH, load_program())
CONNECTEE_FORM = load_program().forms["connectee"]
# She registers in French: every label as the French catalog has it.
NURSE_SCRIPT: Script = [
    "/start",
    "press:Français",
    f"press:{FR('I am new to the region')}",
    f"press:{FR('I agree', 'consent')}",
    "Nadia Benali",
    "press:Kitchener",
    f"press:{FR('Permanent resident or newcomer')}",
    "2024",
    "Infirmière autorisée",
    f"press:{FR('Health care')}",
    f"press:{FR('More than 10 years')}",
    "press:" + FR("Bachelor's degree"),
    f"tick:{FR('French')}",
    f"tick:{FR('Arabic')}",
    f"press:{FR('Done')}",
    f"tick:{FR('Work in my field')}",
    f"press:{FR('Done')}",
    *[f"tick:{FR('{day} {time}').format(day=day, time=FR('am'))}" for day in weekday_names("fr")[:5]],
    f"press:{FR('Done')}",
    f"press:{FR('Video call')}",
    (f"press:{FR('Skip', 'question')}", FR(CONNECTEE_FORM.question("email").text)),
    "nadia@example.com",
    f"press:{FR('Skip', 'question')}",
    f"press:{FR('A settlement agency')}",
    f"press:{FR('Submit')}",
]


def volunteer(name: str, sector: str, languages: list[str]) -> Script:
    """A volunteer who meets by video, free every weekday morning."""
    return [
        "/start",
        "press:English",
        "press:I am a volunteer",
        "press:I agree",
        name,
        "Grand River Hospital" if sector == "Health care" else "OpenText",
        "Nurse manager" if sector == "Health care" else "Software engineer",
        f"tick:{sector}",
        "press:Done",
        *[f"tick:{language}" for language in languages],
        "press:Done",
        "tick:An informational meeting",
        "press:Done",
        *[f"tick:{day} am" for day in ("Mon", "Tue", "Wed", "Thu", "Fri")],
        "press:Done",
        "press:Video call",
        "press:2",
        ("press:Skip", "What is your e-mail address?"),
        "press:Skip",
        "press:Submit",
    ]


async def test_a_nurse_waits_for_a_volunteer_she_can_talk_to_and_reads_how_they_will_meet_before_accepting(
    telegram: BotApiEmulator, bot: BotProcess
) -> None:
    coordinator = Person(telegram.user(COORDINATOR, first_name="Chris"))
    wei = Person(telegram.user(7301, first_name="Wei"))
    nadia = Person(telegram.user(7401, first_name="Nadia", language_code="fr"))
    await coordinator.send("/start")  # Telegram lets a bot write only to people who wrote to it first
    await run_script(wei.user, volunteer("Wei Zhang", "Information technology", ["English", "Chinese"]))
    await run_script(nadia.user, NURSE_SCRIPT)
    await approve_everyone(coordinator, 2)

    told = await coordinator.wait_for(lambda m: m.text.startswith("No volunteer is free for Nadia"))
    assert told.text.endswith("Why: 1 volunteer shares no language.")
    still = FR(
        "We are still looking for the right volunteer for you. No volunteer in your field is free at the moment; "
        "we will write to you here as soon as one is. Thank you for your patience!"
    )
    await nadia.wait_for(lambda m: m.text == still)
    assert not any(message.shows(INTRODUCTION) for message in wei.screen), "no language in common: never proposed"

    claire = Person(telegram.user(7302, first_name="Claire"))
    await run_script(claire.user, volunteer("Claire Dubois", "Health care", ["English", "French"]))
    await coordinator.send("/pending", expect="1 application is waiting for review.")
    application = await coordinator.wait_showing("Approve")
    await coordinator.click("Approve", on=application, expect=None)
    await coordinator.wait_for(lambda m: m.id == application.id and "✔ Approved" in m.text)
    jobs_run(bot, datetime.now(UTC))  # the sweep the approval asked for, as the running bot would within a minute

    introduction = await claire.wait_showing(INTRODUCTION)
    assert "Who: Nadia, newcomer" in introduction.text and "Field: Health care" in introduction.text
    assert "How: by video call" in introduction.text
    await claire.click(introduction.labels()[0], on=introduction, expect=None)
    offer = await nadia.wait_showing(FR(OFFER))
    for line in (
        FR("{label}: {answer}", "field").format(label=FR("Who"), answer=f"Claire, {FR('volunteer')}"),
        FR("{label}: {answer}", "field").format(label=FR("Field"), answer=FR("Health care")),
        FR("How: {how}", "meeting").format(how=FR("by video call")),
    ):
        assert line in offer.text, "she reads who, their field and how they will meet before she accepts"
    assert not any(message.shows(INTRODUCTION) for message in wei.screen)
