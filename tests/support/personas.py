"""The people of the matching, meeting and follow-up conversations, and the steps they share."""

from __future__ import annotations

from tests.support.world import Phone, World

COORDINATOR = 900

# A button each kind of message carries (as a msgid), to find the newest such message on a screen.
INTRODUCTION = "I can't take this one"  # a connector's introduction to a newcomer, with the times to pick from
OFFER = "Yes, that works"  # a newcomer's proposed time
DETAILS = "Reschedule"  # a confirmed meeting's details

AMAL = {
    "name": "Amal Haddad",
    "occupation": "Software developer",
    "sector": "it",
    "languages": ["ar", "en"],
    "availability": ["tue-morning", "thu-morning"],
    "meeting_mode": "any",
    "phone": None,
    "email": "amal@example.com",
}
PRIYA = {
    "name": "Priya Sharma",
    "organization": "Shopify",
    "job_title": "Software engineer",
    "sectors": ["it"],
    "languages": ["en", "ar"],
    "availability": ["tue-morning", "wed-afternoon", "thu-morning"],
    "meeting_mode": "video",
    "capacity": 2,
    "phone": "+15195550111",
    "email": "priya@example.com",
}
MARC = PRIYA | {"name": "Marc Tremblay", "job_title": "IT project lead", "languages": ["en", "fr"], "phone": None}


async def approve_all(world: World) -> None:
    coordinator = world.phones.get(COORDINATOR) or world.phone(COORDINATOR)
    await coordinator.send("/pending")
    approve = coordinator.text("Approve")
    # Every application on the screen, an older listing's too (a second press of one is stale).
    for application in [message for message in coordinator.screen if message.shows(approve)]:
        await coordinator.click(approve, on=application)


async def two_connectors_and_a_newcomer(world: World) -> tuple[Phone, Phone, Phone]:
    """Priya and Marc volunteer, Amal registers, the coordinator approves all three."""
    priya, marc, amal = world.phone(201), world.phone(202), world.phone(101)
    await world.register(priya, "connector", PRIYA)
    await world.register(marc, "connector", MARC)
    await world.register(amal, "connectee", AMAL)
    await approve_all(world)
    return priya, marc, amal


async def a_time_offered(world: World) -> tuple[Phone, Phone]:
    """Priya volunteers, Amal registers, both are approved, and Priya offers Amal Thu, Nov 26, 9:00 in Toronto."""
    priya, amal = world.phone(201), world.phone(101)
    await world.register(priya, "connector", PRIYA)
    await world.register(amal, "connectee", AMAL)
    await approve_all(world)
    await priya.click("Thu, Nov 26, 9:00\u202fAM")
    return priya, amal


async def a_booked_meeting(world: World) -> tuple[Phone, Phone]:
    """Priya volunteers, Amal registers, both are approved, and they agree on Thu, Nov 26, 9:00 in Toronto."""
    priya, amal = await a_time_offered(world)
    await amal.click("Yes, that works")
    return priya, amal


# Issue 23's people: a nurse who speaks French and Arabic, a volunteer she shares no language with, and
# one from her field who speaks French.
NADIA = {
    "name": "Nadia Benali",
    "community": "kitchener",
    "occupation": "Registered nurse",
    "sector": "health",
    "languages": ["fr", "ar"],
    "availability": ["tue-morning", "thu-morning"],
    "meeting_mode": "video",
    "phone": None,
    "email": "nadia@example.com",
}
WEI = {
    "name": "Wei Zhang",
    "organization": "OpenText",
    "job_title": "Software engineer",
    "sectors": ["it"],
    "languages": ["en", "zh"],
    "availability": ["tue-morning", "wed-afternoon", "thu-morning"],
    "meeting_mode": "any",
    "meeting_communities": ["kitchener", "waterloo"],
    "meeting_area": "OpenText, Frank Tompa Drive",
    "capacity": 2,
    "phone": None,
    "email": "wei@example.com",
}
CLAIRE = {
    "name": "Claire Dubois",
    "organization": "Grand River Hospital",
    "job_title": "Nurse manager",
    "sectors": ["health"],
    "languages": ["en", "fr"],
    "availability": ["tue-morning", "thu-morning"],
    "meeting_mode": "any",
    "meeting_communities": ["kitchener", "waterloo"],
    "meeting_area": "Grand River Hospital, King Street",
    "capacity": 2,
    "phone": None,
    "email": "claire@example.com",
}
