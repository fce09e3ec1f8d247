"""WhatsApp's 24-hour window on a real database, through the Graph API client and the Cloud API
emulator: what the program writes a day after someone last wrote goes as its registered template,
or waits (held, its try not counted, swept no more) and goes first when they write again."""

from __future__ import annotations

from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from datetime import timedelta
from typing import Any

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from bot.channels.whatsapp import GraphClient
from bot.config import WhatsApp
from bot.sender import Sender
from storage.tables import OutboxRow
from storage.unit_of_work import UnitOfWork
from tests.e2e.whatsapp_emulator import APP_SECRET, PHONE_NUMBER_ID, TOKEN, VERIFY_TOKEN, CloudApiEmulator
from tests.support.clock import NOW

AMAL = 15195550123
REMINDER = {
    "text": "Rappel : vous rencontrez Sam dans 24 heures, le mar. 24 nov. à 10:00.",
    "language": "fr",
    "template": {"kind": "reminder", "parameters": ["Sam", "mar. 24 nov. à 10:00"], "complete": True},
}
PROPOSAL = {
    "text": "Bonjour Amal ! Nous aimerions vous présenter Sam. Choisissez une heure :",
    "buttons": [[["mar. 24 nov. à 10:00", "pick:1:1:0"]], [["mer. 25 nov. à 14:00", "pick:1:1:1"]]],
    "language": "fr",
    "template": {"kind": "proposal", "parameters": ["Amal"]},
}


async def outbox(sessions: async_sessionmaker[AsyncSession]) -> list[tuple[str, int]]:
    async with sessions() as session:
        rows = (await session.execute(select(OutboxRow.status, OutboxRow.attempts).order_by(OutboxRow.id))).all()
    return [(status, attempts) for status, attempts in rows]


async def amal_wrote(sessions: async_sessionmaker[AsyncSession], api: CloudApiEmulator, hours_ago: float) -> None:
    """Amal's last message, as Meta and the bot each record it (the bot as pipeline.receive_all does)."""
    api.last_from[str(AMAL)] = api.now - timedelta(hours=hours_ago)
    async with UnitOfWork(sessions) as uow:
        await uow.windows.opened("whatsapp", [AMAL], NOW - timedelta(hours=hours_ago))
        await uow.commit()


@asynccontextmanager
async def whatsapp(
    sessions: async_sessionmaker[AsyncSession], kinds: tuple[str, ...] = ("reminder",)
) -> AsyncIterator[tuple[CloudApiEmulator, Sender]]:
    """The Cloud API and the WhatsApp door's sender to it; the templates of these kinds registered in
    French with Meta and named in the program file."""

    def registered(kind: str, language: str) -> str | None:
        return f"frontdoor_{kind}" if kind in kinds and language == "fr" else None

    async with CloudApiEmulator() as api:
        api.templates.update(f"frontdoor_{kind}" for kind in kinds)
        secrets = WhatsApp(TOKEN, PHONE_NUMBER_ID, APP_SECRET, VERIFY_TOKEN, api.url)
        client = GraphClient(secrets, lambda text, _: text, registered)
        window = timedelta(hours=24)
        try:
            yield (
                api,
                Sender(sessions, "whatsapp", client.deliver, chat_interval=0, clock=lambda: NOW, reply_window=window),
            )
        finally:
            await client.close()


async def write(sessions: async_sessionmaker[AsyncSession], *payloads: dict[str, Any]) -> None:
    async with UnitOfWork(sessions) as uow:
        await uow.outbox.add("whatsapp", AMAL, list(payloads), NOW)
        await uow.commit()


async def test_a_day_after_she_wrote_a_reminder_goes_as_its_template_and_a_proposal_waits_for_her(
    sessions: async_sessionmaker[AsyncSession],
) -> None:
    async with whatsapp(sessions) as (api, sender):
        amal = api.user(str(AMAL), "Amal")
        await amal_wrote(sessions, api, hours_ago=25)
        await write(sessions, REMINDER, PROPOSAL)

        await sender.send()
        assert [message.template for message in amal.inbox] == [
            ("frontdoor_reminder", "fr", ["Sam", "mar. 24 nov. à 10:00"])
        ]
        assert api.refused == [], "nothing free-form tried outside her window"
        assert await outbox(sessions) == [("sent", 1), ("held", 0)], "held: its try not counted"
        assert await sender.send() == 0 and len(amal.inbox) == 1, "not swept again while she is silent"

        await amal_wrote(sessions, api, hours_ago=0)
        await sender.send()
        assert amal.inbox[-1].kind == "button", "the proposal itself, its times to tap"
        assert amal.inbox[-1].text.startswith("Bonjour Amal ! Nous aimerions vous présenter Sam.")
        assert [status for status, _ in await outbox(sessions)] == ["sent", "sent"]


async def test_a_refusal_for_the_window_teaches_the_bot_it_had_closed(
    sessions: async_sessionmaker[AsyncSession],
) -> None:
    async with whatsapp(sessions) as (api, sender):
        amal = api.user(str(AMAL), "Amal")
        await amal_wrote(sessions, api, hours_ago=1)
        api.hours_pass(30)  # Meta's clock says a day passed; the bot's does not know it yet
        await write(sessions, REMINDER)

        await sender.send()  # free-form, refused (131047): tried again at once, as the template
        await sender.send()
        assert [code for code, _ in api.refused] == [131047]
        assert [message.template for message in amal.inbox] == [
            ("frontdoor_reminder", "fr", ["Sam", "mar. 24 nov. à 10:00"])
        ]
        assert [status for status, _ in await outbox(sessions)] == ["sent"]


async def test_a_proposal_s_template_tells_her_and_the_proposal_follows_her_answer(
    sessions: async_sessionmaker[AsyncSession],
) -> None:
    async with whatsapp(sessions, kinds=("reminder", "proposal")) as (api, sender):
        amal = api.user(str(AMAL), "Amal")
        await amal_wrote(sessions, api, hours_ago=25)
        await write(sessions, PROPOSAL)

        await sender.send()
        assert [message.template for message in amal.inbox] == [("frontdoor_proposal", "fr", ["Amal"])]
        assert await outbox(sessions) == [("held", 0)], "its times to tap cannot go in a template: it waits"

        await amal_wrote(sessions, api, hours_ago=0)  # "Oui ?"
        await sender.send()
        assert amal.inbox[-1].kind == "button"
        assert [status for status, _ in await outbox(sessions)] == ["sent"]


async def test_a_held_message_outlives_pruning_and_an_erased_chat_leaves_no_record_of_its_window(
    sessions: async_sessionmaker[AsyncSession],
) -> None:
    async with UnitOfWork(sessions) as uow:
        await uow.windows.opened("whatsapp", [AMAL], NOW - timedelta(days=100))  # silent since
        await uow.windows.opened("whatsapp", [15195550124], NOW - timedelta(hours=1))
        [held] = await uow.outbox.add("whatsapp", AMAL, [PROPOSAL], NOW - timedelta(days=100))
        await uow.outbox.hold(held, "outside the 24-hour window, no template registered for it")
        await uow.personal_data.prune(NOW)
        await uow.commit()
    async with UnitOfWork(sessions) as uow:
        assert [status for status, _ in await outbox(sessions)] == ["held"], "it waits for her, however long"
        assert await uow.windows.last_in("whatsapp", {AMAL, 15195550124}) == {15195550124: NOW - timedelta(hours=1)}
        await uow.personal_data.forget_chat("whatsapp", 15195550124, 15195550124)  # /delete before registering
        await uow.commit()
    async with UnitOfWork(sessions) as uow:
        assert await uow.windows.last_in("whatsapp", {AMAL, 15195550124}) == {}


async def test_the_farewell_to_someone_who_just_sent_delete_goes_as_written_though_her_window_s_record_is_gone(
    sessions: async_sessionmaker[AsyncSession],
) -> None:
    async with whatsapp(sessions) as (api, sender):
        amal = api.user(str(AMAL), "Amal")
        await amal_wrote(sessions, api, hours_ago=0)  # "/delete", then "Yes, erase my data"
        async with UnitOfWork(sessions) as uow:
            await uow.personal_data.forget_chat("whatsapp", AMAL, AMAL)  # her record of it erased with her
            farewell = {"text": "C'est fait : vos données personnelles sont effacées.", "farewell": True}
            await uow.outbox.add("whatsapp", AMAL, [farewell], NOW)
            await uow.commit()

        await sender.send()
        assert [message.text for message in amal.inbox] == ["C'est fait : vos données personnelles sont effacées."]
        assert api.refused == [] and [status for status, _ in await outbox(sessions)] == ["sent"]
        async with UnitOfWork(sessions) as uow:
            assert await uow.windows.last_in("whatsapp", {AMAL}) == {}, "and no record of her window comes back"


OFFER = {
    "text": "Sam peut vous rencontrer le mar. 24 nov. à 10:00. Cela vous convient-il ?",
    "buttons": [[["Oui, ça me va", "accept:1"]], [["Une autre heure", "another:1"]]],
    "language": "fr",
}
DETAILS = {"text": "Votre rencontre est confirmée ! Sam, sam@example.org", "language": "fr"}


async def test_what_someone_else_did_for_her_is_announced_once_by_the_update_template_and_follows_her_answer(
    sessions: async_sessionmaker[AsyncSession],
) -> None:
    async with whatsapp(sessions, kinds=("update",)) as (api, sender):
        amal = api.user(str(AMAL), "Amal")
        await amal_wrote(sessions, api, hours_ago=30)
        await write(sessions, OFFER, DETAILS)  # a volunteer's time, then more: neither a template of its own

        await sender.send()
        await sender.send()
        assert [message.template for message in amal.inbox] == [("frontdoor_update", "fr", [])], "told once"
        assert await outbox(sessions) == [("held", 0), ("held", 0)]

        await amal_wrote(sessions, api, hours_ago=0)  # "Oui ?"
        await sender.send()
        assert [message.text for message in amal.inbox[1:]] == [OFFER["text"], DETAILS["text"]], "in order"
        assert [status for status, _ in await outbox(sessions)] == ["sent", "sent"]


async def test_without_the_update_template_the_digest_names_it_for_those_waiting(
    sessions: async_sessionmaker[AsyncSession],
) -> None:
    async with whatsapp(sessions, kinds=()) as (api, sender):
        amal = api.user(str(AMAL), "Amal")
        await amal_wrote(sessions, api, hours_ago=30)
        await write(sessions, OFFER)

        await sender.send()
        assert amal.inbox == [] and await outbox(sessions) == [("held", 0)]
    async with UnitOfWork(sessions) as uow:
        assert await uow.windows.held() == (1, {("update", "fr"): 1})


async def test_a_chat_the_bot_has_no_record_of_is_refused_once_then_goes_as_the_template(
    sessions: async_sessionmaker[AsyncSession],
) -> None:
    """A volunteer silent for months (the record of her window pruned) is proposed a meeting."""
    async with whatsapp(sessions) as (api, sender):
        amal = api.user(str(AMAL), "Amal")
        await write(sessions, REMINDER)
        for _ in range(3):
            await sender.send()
        assert [code for code, _ in api.refused] == [131047], "refused once, not again and again"
        assert [message.template for message in amal.inbox] == [
            ("frontdoor_reminder", "fr", ["Sam", "mar. 24 nov. à 10:00"])
        ]


async def test_a_farewell_outside_the_window_is_given_up_and_leaves_no_number(
    sessions: async_sessionmaker[AsyncSession],
) -> None:
    """A coordinator erased someone silent for days: the goodbye cannot reach them, and is not kept."""
    async with whatsapp(sessions, kinds=("update",)) as (api, sender):
        amal = api.user(str(AMAL), "Amal")
        await write(sessions, {"text": "Vos données ont été effacées. Au revoir.", "language": "fr", "farewell": True})
        await sender.send()
        await sender.send()
        assert amal.inbox == [], "no template stands for a goodbye"
        assert [status for status, _ in await outbox(sessions)] == ["dead"]
    async with sessions() as session:
        chats = (await session.execute(select(OutboxRow.chat_id))).scalars().all()
    async with UnitOfWork(sessions) as uow:
        assert chats == [0] and await uow.windows.last_in("whatsapp", {AMAL}) == {}
