"""A person to talk to: anyone writes to the program's team with /contact; a coordinator answers.

The message is stored (it is the person's data: /mydata shows it, /delete erases it, pruning ends
it) and relayed to every coordinator, with its number and who sent it. A coordinator answers by
replying to the relayed message in the chat, or with `/reply NUMBER text`; the answer reaches the
person marked as from the program's team, and is kept with their message.

A reply in the chat comes with the text of the message it replies to (handlers.core.events.Event's
`replying_to`), not a record of which message that was: the relayed message starts with its number
on a line of its own (`REFERENCE`), which is how an answer finds its way back. No sentence, so no
translation moves it.
"""

from __future__ import annotations

import re
import unicodedata
from typing import Final

from handlers.coordinators.shortlist import tell_coordinators
from handlers.core.bidi import for_reader
from handlers.core.events import Outcome, Outgoing, Reply
from handlers.core.ids import database_id
from handlers.core.model import Participant, TeamMessage
from handlers.core.people import name_and_number
from handlers.core.ports import Context, Office
from handlers.core.quoting import mentioned, quoted
from handlers.core.translator import Translator

LIMIT: Final = 3000  # characters of one message to the team: room left in a Telegram message for the rest
REFERENCE: Final = "✉ {id}"
# The whole first line, as only a relayed message's is: a participant named "✉1" puts those
# characters at the start of a line too ("✉1 (#2), newcomer" on /pending, /find and the digest).
_REFERENCE: Final = re.compile(r"✉\s*([0-9]+)")


async def start(args: str, ctx: Context, office: Office, t: Translator) -> Outcome:
    """/contact: with words after it, they are the message; alone, the next message is."""
    if args.strip():
        return await write(args, ctx, office, t)
    ctx.conversation.writing_to_team = True
    text = t.gettext(
        "What would you like to tell the program's team? Write it in one message and send it; "
        "a person from the team will answer you here."
    )
    return Outcome([Reply(text)])


async def write(text: str, ctx: Context, office: Office, t: Translator) -> Outcome:
    """The person's message: stored, relayed to every coordinator, and they are told it went."""
    words = _clean(text)
    # A photo, or too many words: still listening, for the message they send instead.
    ctx.conversation.writing_to_team = not words or len(words) > LIMIT
    if not words:
        return Outcome([Reply(t.gettext("Please write your message as text, then send it."))])
    if len(words) > LIMIT:
        too_long = t.gettext("Your message is too long: please keep it under {limit} characters and send it again.")
        return Outcome([Reply(too_long.format(limit=LIMIT))])
    message = await office.team_messages.add(ctx.conversation, words, office.now)
    person = await ctx.participants.get(message.participant_id) if message.participant_id else None
    sent = t.gettext("Thank you. Your message has gone to the program's team; a person will answer you here.")
    relayed = await tell_coordinators(office, lambda reader: _relayed(message, person, reader))
    return Outcome([Reply(sent)], relayed)


def _relayed(message: TeamMessage, person: Participant | None, t: Translator) -> Reply:
    """The message as each coordinator reads it: its number, who wrote it, their words, how to answer."""
    if person is None:
        who = t.gettext("Someone who has not registered")
    else:
        who = name_and_number(person, t)
    body = t.gettext(
        "{who} writes to the team:\n{message}\n\nReply to this message to answer, or send /reply {id} and your answer."
    ).format(who=who, message=quoted(message.text, t), id=message.id)
    return Reply(REFERENCE.format(id=message.id) + "\n" + body)


def relayed_id(replying_to: str | None) -> int | None:
    """The number of the relayed message a coordinator replied to; None when it is not one."""
    first_line = (replying_to or "").strip().split("\n", 1)[0]
    # Without the direction marks a reader's layout may have put around the number.
    bare = "".join(character for character in first_line if unicodedata.category(character) != "Cf")
    found = _REFERENCE.fullmatch(bare.strip())
    return database_id(found.group(1)) if found else None


async def answer(message_id: int, text: str, t: Translator, office: Office) -> Outcome:
    """A coordinator's answer to message `message_id`: to the person, marked as from the team."""
    message = await office.team_messages.get(message_id)
    if message is None:
        unknown = t.gettext(
            "There is no message {id} to answer: it may have been erased at the person's request. "
            "Please check the number in the message you are answering."
        )
        return Outcome([Reply(unknown.format(id=message_id))])
    words = _clean(text)
    if not words:
        return Outcome([_usage(t)])
    await office.team_messages.answered(message, words, office.now)
    reader = office.translations(message.language or office.program.default_language)
    from_team = reader.gettext("{program}\nA message from the team:\n\n{answer}").format(
        program=for_reader(office.program.name_for(reader), reader.language), answer=mentioned(words)
    )
    to_person = Outgoing(message.channel, message.chat_id, Reply(from_team), reader.language)
    done = t.gettext("Your answer to message {id} has been sent.").format(id=message.id)
    return Outcome([Reply(done)], [to_person])


async def reply_command(args: str, t: Translator, office: Office) -> Outcome:
    """/reply NUMBER text, a coordinator's command."""
    number, text = (*args.split(None, 1), "", "")[:2]
    message_id = database_id(number)
    if message_id is None:
        return Outcome([_usage(t)])
    return await answer(message_id, text, t, office)


def _usage(t: Translator) -> Reply:
    return Reply(
        t.gettext("Please send /reply followed by the message's number and your answer, e.g. /reply 12 Hello.")
    )


def _clean(text: str) -> str:
    """Typed words as they will be stored and shown: no control characters, no blank edges."""
    kept = "".join(c for c in text if c in "\n\t" or unicodedata.category(c) != "Cc")
    return kept.strip()
