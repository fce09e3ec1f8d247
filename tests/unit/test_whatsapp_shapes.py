"""WhatsApp's shapes: labels shortened at a word's end in every script, long texts split where a
reader pauses, more than ten choices on further list messages, no edit, and the Cloud API's answers
read as the sender's outcomes."""

from __future__ import annotations

from bot.catalogs import PROJECT_CATALOGS
from bot.channels import telegram_capabilities, whatsapp_capabilities
from bot.channels.whatsapp import delivery_of, messages_of, read_message
from bot.channels.whatsapp_shapes import message, shorten
from handlers.core.events import Button, EventKind, Reply
from handlers.core.fitting import LAYOUT_ROOM, fit, split_laid_out

WHATSAPP = whatsapp_capabilities.capabilities()
FR = PROJECT_CATALOGS.translator("fr")


def test_a_long_arabic_label_is_shortened_after_a_whole_word() -> None:
    label = "الخدمات الإدارية والدعم المكتبي والسكرتارية"
    short = shorten(label, 24)
    assert len(short) <= 24 and short.endswith("…")
    assert label.startswith(short.removesuffix("…")) and label[len(short) - 1] == " ", "cut before a space"


def test_a_long_chinese_label_is_shortened_after_its_enumeration_mark_not_inside_a_word() -> None:
    label = "行政管理、办公室支持、文秘与客户服务、数据录入"
    assert shorten(label, 20) == "行政管理、办公室支持、文秘与客户服务、…"
    assert shorten(label, 12) == "行政管理、办公室支持、…"
    assert shorten("行政管理", 20) == "行政管理", "what fits stays whole"


def test_a_label_with_no_word_end_that_fits_is_cut_as_the_last_resort() -> None:
    assert shorten("Donaudampfschifffahrtsgesellschaft", 20) == "Donaudampfschifffah…"


def test_an_isolate_the_cut_leaves_open_is_closed() -> None:
    label = "مهندس \u2068civil engineering and construction\u2069"
    short = shorten(label, 20)
    assert short.count("\u2068") == short.count("\u2069") == 1 and short.endswith("\u2069…")


def test_three_short_choices_are_reply_buttons_and_a_longer_one_makes_a_list_with_the_whole_label() -> None:
    agree = Reply("Do you agree?", buttons=((Button("I agree", "consent:yes"), Button("Not now", "consent:no")),))
    shown = message("15195550123", agree, "Choose")
    assert shown["interactive"]["type"] == "button"
    assert [b["reply"]["title"] for b in shown["interactive"]["action"]["buttons"]] == ["I agree", "Not now"]

    sectors = Reply(
        "Which sector?",
        buttons=((Button("Administration and office support", "o:sector:admin"), Button("Law", "o:sector:law")),),
    )
    listed = message("15195550123", sectors, "Choisir")["interactive"]
    assert listed["type"] == "list" and listed["action"]["button"] == "Choisir", "a title over 20: no button"
    assert listed["action"]["sections"][0]["rows"] == [
        {"id": "o:sector:admin", "title": "Administration and…", "description": "Administration and office support"},
        {"id": "o:sector:law", "title": "Law"},
    ]


def test_a_keyboard_s_words_come_back_as_typed() -> None:
    shown = message("15195550123", Reply("Your phone number?", keyboard=("Skip",)), "Choose")
    (button,) = shown["interactive"]["action"]["buttons"]
    assert button["reply"] == {"id": "say:Skip", "title": "Skip"}
    tapped = {"from": "15195550123", "id": "wamid.1", "type": "interactive"}
    tapped["interactive"] = {"type": "button_reply", "button_reply": {"id": "say:Skip", "title": "Skip"}}
    event = read_message(tapped)
    assert event is not None and event.kind is EventKind.TEXT and event.text == "Skip"


def test_a_long_text_is_split_between_paragraphs_then_sentences() -> None:
    paragraph = "Une phrase assez longue pour remplir la ligne. " * 12
    text = "\n\n".join([paragraph.strip()] * 3)
    room = 1000 + LAYOUT_ROOM  # of which the layout's isolates may take LAYOUT_ROOM
    assert split_laid_out(text, room, "fr") == [paragraph.strip()] * 3, "between paragraphs"
    sentences = split_laid_out(paragraph * 3, room, "fr")
    assert len(sentences) == 2 and all(len(part) <= 1000 for part in sentences)
    assert sentences[0].endswith("ligne.") and sentences[1].startswith("Une phrase"), "between sentences"
    chinese = split_laid_out("这是第一句话。这是第二句话。", 9 + LAYOUT_ROOM, "zh-Hans")
    assert chinese == ["这是第一句话。", "这是第二句话。"]


def test_more_than_ten_choices_go_on_further_list_messages() -> None:
    slots = tuple((Button(f"Slot {n}", f"t:availability:{n}:1"),) for n in range(23))
    parts = fit(Reply("When are you free?", buttons=slots), WHATSAPP, FR)
    assert [len([b for row in part.buttons for b in row]) for part in parts] == [10, 10, 3]
    assert parts[0].text == "When are you free?"
    assert [part.text for part in parts[1:]] == ["Autres choix (2 sur 3)", "Autres choix (3 sur 3)"]
    assert fit(Reply("When?", buttons=slots), telegram_capabilities.capabilities("bot"), FR) == [
        Reply("When?", buttons=slots)
    ], "Telegram carries them all on one message"


def test_a_long_body_with_choices_is_split_so_the_choices_sit_under_1024_characters() -> None:
    consent = "\n\n".join(["Nous gardons vos réponses en sécurité. " * 8] * 5)
    parts = fit(Reply(consent, buttons=((Button("J'accepte", "c:yes"),),)), WHATSAPP, FR)
    assert len(parts) > 1 and not parts[0].buttons and parts[-1].buttons
    assert all(len(part.text) <= 1024 for part in parts)


def test_an_edit_becomes_its_answer_alone_where_messages_cannot_be_edited() -> None:
    edited = Reply("Which language?\n\n✔ Français", edit=True, answered="✔ Français")
    assert fit(edited, WHATSAPP, FR) == [Reply("✔ Français")]
    assert fit(edited, telegram_capabilities.capabilities("bot"), FR) == [edited]


def test_the_cloud_api_s_answers_become_the_sender_s_outcomes() -> None:
    def error(code: int) -> dict[str, object]:
        return {"error": {"code": code, "message": "said"}}

    assert delivery_of(200, {"messages": [{"id": "wamid.1"}]}).outcome == "sent"
    assert delivery_of(429, error(130429)).outcome == "retry"
    assert delivery_of(400, error(131056)).outcome == "retry", "too many to one person: later"
    assert delivery_of(503, error(131000)).outcome == "retry"
    assert delivery_of(400, error(131026)).outcome == "blocked", "cannot receive: unreachable"
    assert delivery_of(400, error(131047)).outcome == "outside", "outside the window: as its template, or held"
    assert delivery_of(404, error(132001)).outcome == "held", "no such template: waits for them to write"
    assert delivery_of(400, error(131009)).outcome == "rejected"


def test_only_our_number_s_messages_are_read() -> None:
    def update(number_id: str) -> dict[str, object]:
        value = {"metadata": {"phone_number_id": number_id}, "messages": [{"from": "1", "id": "w", "type": "text"}]}
        return {"object": "whatsapp_business_account", "entry": [{"changes": [{"field": "messages", "value": value}]}]}

    assert len(messages_of(update("106540352242922"), "106540352242922")) == 1
    assert messages_of(update("999"), "106540352242922") == []
    command = read_message({"from": "15195550123", "id": "wamid.2", "type": "text", "text": {"body": "/start r12"}})
    assert command is not None and (command.kind, command.text, command.args) == (EventKind.COMMAND, "start", "r12")
    assert read_message({"from": "+1 519", "id": "wamid.3", "type": "text"}) is None, "not a wa_id"
    assert read_message({"from": "١٥١٩٥٥٥٠١٢٣", "id": "wamid.4", "type": "text"}) is None, "not a wa_id either"


def test_a_message_of_a_shape_meta_has_not_documented_is_read_as_one_we_cannot_read() -> None:
    # Raised, it would fail the whole delivery and the other people's messages in it, at every retry.
    base = {"from": "15195550123", "id": "wamid.4"}
    odd = [
        {**base, "type": "text", "text": "hello"},
        {**base, "type": "text", "text": {"body": 42}},
        {**base, "type": "text"},
        {**base, "type": "interactive", "interactive": "button_reply"},
        {**base, "type": "interactive", "interactive": {"type": ["list_reply"], "list_reply": {"id": "x"}}},
        {**base, "type": "interactive", "interactive": {"type": "button_reply", "button_reply": "t:role:connectee"}},
    ]
    for shape in odd:
        event = read_message(shape)
        assert event is not None and event.user_id == 15195550123, shape
        assert event.kind == EventKind.OTHER, shape


def test_a_ticked_box_sends_again_only_the_list_holding_it_where_messages_cannot_be_edited() -> None:
    slots = tuple(
        (Button(("✅ " if n == 12 else "") + f"Slot {n}", f"t:availability:{n}:{int(n != 12)}"),) for n in range(23)
    )
    ticked = Reply("When are you free?", buttons=slots, edit=True, focus="t:availability:12:0")
    (again,) = fit(ticked, WHATSAPP, FR)
    assert again.text == "Autres choix (2 sur 3)" and again.buttons[2] == (Button("✅ Slot 12", "t:availability:12:0"),)
    assert fit(ticked, telegram_capabilities.capabilities("bot"), FR) == [ticked], "Telegram edits the one message"


def test_a_reaction_put_on_a_question_or_taken_off_is_not_read_as_an_answer() -> None:
    base = {"from": "15195550123", "type": "reaction"}
    liked = read_message({**base, "id": "wamid.5", "reaction": {"message_id": "wamid.out3", "emoji": "👍"}})
    taken_off = read_message({**base, "id": "wamid.6", "reaction": {"message_id": "wamid.out3"}})
    assert liked is None and taken_off is None, "not 'I can only read text here' and the question again"
    sticker = read_message({"from": "15195550123", "id": "wamid.7", "type": "sticker", "sticker": {"id": "1"}})
    assert sticker is not None and sticker.kind is EventKind.OTHER, "a sticker is still told what is read"
