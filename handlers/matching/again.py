"""A newcomer who missed their meeting: a coordinator's call, or their own, before anyone else is asked.

When the volunteer says the newcomer did not come and leaves it there, the newcomer is not offered
to another volunteer by the next sweep: they get a kind note with a "Please match me again" button
(`missed`), and the sweep leaves them until they press it or a coordinator sends /match with their
number (`release`). The digest counts the no-shows and lists who waits so.
"""

from __future__ import annotations

from typing import Final

from handlers.core.buttons import PressedInProgram, Route, route
from handlers.core.events import Button, Outcome, Outgoing, Reply
from handlers.core.model import Participant, Role, Status
from handlers.core.people import name, to, translator
from handlers.core.ports import Office
from handlers.matching.buttons import MatchMeAgain
from handlers.matching.proposals import find_connector


async def missed(office: Office, connectee: Participant, connector: Participant) -> Outgoing:
    """The connectee did not come: held from matching, and told kindly how to be matched again."""
    connectee.missed_meeting_at = office.now
    await office.participants.update(connectee, office.now)
    t = translator(office, connectee)
    text = t.gettext(
        "We missed you at your meeting with {name}. These things happen! Whenever you are ready, press the "
        "button below and we will look for a volunteer for you again."
    ).format(name=name(connector, t))
    button = Button(t.gettext("Please match me again"), MatchMeAgain(connectee.id).pack())
    return to(connectee, Reply(text, buttons=((button,),)))


async def release(office: Office, connectee: Participant) -> None:
    """They may be matched again (they asked, or a coordinator matches them); waiting from now on."""
    if connectee.missed_meeting_at is None:
        return
    connectee.missed_meeting_at, connectee.unmatched_since = None, None
    await office.participants.update(connectee, office.now)


async def _match_me_again(button: MatchMeAgain, pressed: PressedInProgram) -> Outcome | None:
    office = pressed.office
    person = await office.participants.get(button.participant_id)
    if (
        person is None
        or not pressed.by(person)
        or person.role is not Role.CONNECTEE
        or person.status is not Status.APPROVED
        or person.missed_meeting_at is None
    ):
        return None  # someone else's, asked already, or a coordinator matched them meanwhile
    await release(office, person)
    t = pressed.t
    thanks = t.gettext("Thank you, {name}! We are looking for a volunteer for you again.").format(name=name(person, t))
    return Outcome([Reply(thanks, edit=True)], await find_connector(office, person))


ROUTES: Final[tuple[Route[PressedInProgram, Outcome], ...]] = (route(MatchMeAgain, _match_me_again),)
