"""Walks every shipped script path through the engine with hand-built screening results."""

from __future__ import annotations

import json

import pytest

from bot.dialog import DialogEngine
from bot.screening.types import RiskLevel
from bot.turn import (
    CancelFollowups,
    CaseStatus,
    EndConversation,
    Escalate,
    ForgetMe,
    ScheduleFollowup,
)
from tests.dialog.support import Chat

YORISOI = "0120-279-338"
TOPICS = [
    "仕事",
    "お金・借金",
    "住まい",
    "家族",
    "こころ・からだ",
    "学校",
    "ひとりがつらい",
    "その他",
]


def queued(
    position: int | None = 2, wait: int | None = 15, risk: RiskLevel = RiskLevel.NONE
) -> CaseStatus:
    return CaseStatus("C-0001", "queued", risk, position=position, wait_minutes=wait)


def claimed(risk: RiskLevel = RiskLevel.HIGH) -> CaseStatus:
    return CaseStatus("C-0001", "claimed", risk)


# --- first contact --------------------------------------------------------------------------


def test_first_contact_explains_and_asks_consent_in_one_tap(chat: Chat) -> None:
    out = chat.follow()
    text = chat.text
    assert "匿名" in text
    assert "30日間" in text  # retention from config/service.yaml
    assert "119" in text
    assert "110" in text
    assert "データを消して" in text
    assert len(out.messages) == 3
    assert list(chat.buttons()) == [
        "はじめる",
        "ただ話を聞いてほしい",
        "もっとくわしく",
        "同意しない",
    ]
    assert "consent" not in chat.profile
    chat.tap("はじめる")
    assert chat.profile["consent"] == "yes"
    assert "どんなことでも大丈夫です" in chat.text
    assert list(chat.buttons()) == TOPICS


def test_first_contact_more_details_then_consent(chat: Chat) -> None:
    chat.follow()
    chat.tap("もっとくわしく")
    assert "相談員だけ" in chat.text
    assert "24時間" in chat.text  # staffed hours rendered from config
    assert "はじめる" in chat.buttons()


def test_first_contact_just_talk(chat: Chat) -> None:
    chat.follow()
    chat.tap("ただ話を聞いてほしい")
    assert chat.profile["consent"] == "yes"
    assert chat.step == "just_talk"
    chat.say("最近ずっと疲れていて")
    assert "疲れ" in chat.texts[0]
    assert chat.step == "listen"


def test_first_message_without_follow_gets_first_contact(chat: Chat) -> None:
    chat.say("こんばんは")
    assert "はじめまして" in chat.texts[0]
    chat.say("実は仕事のことで悩んでいて")  # typing instead of tapping counts as agreeing
    assert chat.profile["consent"] == "yes"
    assert chat.step == "listen"


def test_typing_yes_matches_the_consent_button(chat: Chat) -> None:
    chat.follow()
    chat.say("はい")
    assert chat.profile["consent"] == "yes"
    assert chat.step == "opening"


# --- opening --------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("label", "topic"),
    [
        ("仕事", "work"),
        ("お金・借金", "money"),
        ("住まい", "housing"),
        ("家族", "family"),
        ("こころ・からだ", "health"),
        ("学校", "school"),
        ("ひとりがつらい", "lonely"),
        ("その他", "other"),
    ],
)
def test_opening_each_topic(chat: Chat, label: str, topic: str) -> None:
    chat.start()
    chat.tap(label)
    assert chat.profile["last_topic"] == topic
    assert chat.step == f"topic_{topic}"
    buttons = list(chat.buttons())
    if buttons:  # a situation button leads to an acknowledgement and the listening question
        chat.tap(buttons[0])
        assert len(chat.texts) == 2
    else:
        chat.say("うまく言えないけど、いろいろあって")
    assert chat.step == "listen"
    assert "相談員と話したい" in chat.buttons()


def test_opening_free_text_is_never_out_of_scope(chat: Chat) -> None:
    chat.start()
    chat.say("推しのライブに行けなくなった")
    assert chat.step == "listen"
    assert chat.texts  # an acknowledgement, never "I can't help with that"


def test_start_of_a_new_conversation_listens_to_what_was_said(engine: DialogEngine) -> None:
    chat = Chat(engine)
    chat.profile["consent"] = "yes"
    chat.say("借金の返済がもう無理で", factors=("debt",))
    assert "お金" in chat.texts[0]  # what was said is taken up, and the matching help offered
    assert chat.step == "offer_money_ask"
    assert "相談先を見る" in chat.buttons()
    chat2 = Chat(engine)
    chat2.profile["consent"] = "yes"
    chat2.say("こんにちは")
    assert chat2.step == "opening"


# --- listening ------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("said", "expect"),
    [
        ("最近眠れないんです", "眠れない"),
        ("もう疲れた", "疲れ"),
        ("将来が不安で", "不安"),
        ("誰もいなくて寂しい", "さみしい"),
        ("上司に腹が立つ", "腹が立"),
        ("どうしたらいいかわからない", "わからなく"),
        ("毎日つらい", "つらい"),
        ("ありがとう", "こちらこそ"),
    ],
)
def test_listening_reflects_the_feeling(chat: Chat, said: str, expect: str) -> None:
    chat.start()
    chat.tap("その他")
    chat.say(said)
    assert expect in chat.texts[0]
    assert len(chat.texts) == 2  # one reflection, one gentle question
    assert chat.texts[1].count("？") <= 1  # one thing at a time


def test_listening_rotates_its_answers(chat: Chat) -> None:
    chat.start()
    chat.tap("その他")
    seen = set()
    for said in ["それで", "はい", "まあ"]:
        chat.say(said)
        seen.add(chat.texts[0])
        seen.add(chat.texts[1])
    assert len(seen) >= 5


def test_moderate_risk_offers_a_counselor_once(chat: Chat) -> None:
    chat.start()
    chat.tap("その他")
    chat.say("もう何もかもどうでもいい", risk=RiskLevel.MODERATE)
    assert chat.step == "offer_counselor_ask"
    chat.tap("いまはここで話したい")
    assert chat.step == "listen"
    chat.say("やっぱりしんどい", risk=RiskLevel.MODERATE)
    assert chat.step == "listen"  # not offered twice
    chat.tap("相談員と話したい")
    [escalate] = chat.actions(Escalate)
    assert escalate == Escalate(reason="request", note=escalate.note, consent=True)


# --- assessment and referral ----------------------------------------------------------------


def test_assessment_with_permission_collects_the_life_domains(chat: Chat) -> None:
    chat.start()
    chat.tap("お金・借金")
    for said in ["それで", "はい", "まあ"]:
        chat.say(said)
    assert chat.step == "listen"
    chat.say("そんな感じです")  # the fourth answer: ask permission for a few questions
    assert chat.step == "assess_ask"
    chat.tap("答えてみる")
    chat.tap("仕事をさがしている")
    chat.tap("借金の返済がきつい")
    chat.say("来月には出ないといけない")  # typed answers are kept too
    chat.tap("答えたくない")
    chat.tap("眠れない・食べられない")
    chat.tap("いる")
    chat.tap("使っていない")
    collected = chat.last.collected
    assert collected == {
        "就労": "仕事をさがしている",
        "家計・借金": "借金の返済がきつい",
        "住まい": "来月には出ないといけない",
        "心身": "眠れない・食べられない",
        "孤立": "いる",
        "制度の利用": "使っていない",
    }
    assert "答えてくれて" in chat.texts[0]
    assert chat.step == "refer_start"  # low risk: information and referral


def test_assessment_declined(chat: Chat) -> None:
    chat.start()
    chat.tap("その他")
    for said in ["a", "b", "c", "d"]:
        chat.say(said)
    chat.tap("いまはいい")
    assert chat.step == "listen"
    for said in ["e", "f", "g"]:
        chat.say(said)
        assert chat.step == "listen"  # asked once only


def test_isolation_answer_offers_a_counselor(chat: Chat) -> None:
    chat.start()
    chat.tap("その他")
    for said in ["a", "b", "c", "d"]:
        chat.say(said)
    chat.tap("答えてみる")
    for label in [
        "働いている",
        "いまはなんとかなっている",
        "住み続けられる",
        "ひとりで暮らしている",
        "特に問題はない",
        "いない",
        "わからない",
    ]:
        chat.tap(label)
    assert chat.step == "offer_counselor_ask"


def test_referral_offers_categories_matching_the_factors(chat: Chat) -> None:
    chat.start()
    chat.say("借金があって、家賃も払えない", factors=("debt", "poverty"))
    chat.tap("相談先を見る")
    labels = list(chat.buttons())
    assert labels[:2] == ["借金・お金のトラブル", "年金・保険料の支払い"]
    assert "生活費・くらし" in labels
    assert labels[-2:] == ["相談員と話したい", "いまはいい"]
    chat.tap("借金・お金のトラブル")
    assert "法テラス" in chat.texts[0]
    assert "0570-078374" in chat.texts[0]
    assert chat.last.collected["紹介した相談先"] == "借金・お金のトラブル"
    assert chat.step == "refer_more"
    chat.tap("ほかの相談先も見る")
    chat.say("生活費・くらし")  # typing the label works too
    assert "自立相談支援機関" in chat.texts[0]
    assert chat.last.collected["紹介した相談先"] == "借金・お金のトラブル / 生活費・くらし"


def test_referral_uses_the_chosen_topic_when_no_factor_was_found(chat: Chat) -> None:
    chat.start()
    chat.tap("学校")
    chat.say("referral please")
    chat.tap("相談先を知りたい")
    assert next(iter(chat.buttons())) == "学校のこと"


def test_referral_without_any_factor_lets_the_person_choose_from_all(chat: Chat) -> None:
    chat.profile["consent"] = "yes"
    chat.say("相談先を知りたい")
    assert chat.step == "refer_start"
    assert len(chat.buttons()) == 13  # LINE's limit, categories first
    chat.tap("いまはいい")
    assert chat.step == "listen"


# --- crisis ---------------------------------------------------------------------------------


def test_crisis_high_interrupts_any_script_with_hotlines_first(chat: Chat) -> None:
    chat.start()
    chat.tap("仕事")  # in the middle of a script
    out = chat.say("もう死にたい", risk=RiskLevel.HIGH)
    first = out.messages[0].text
    assert YORISOI in first
    assert "よりそいホットライン" in first
    assert "119" in first
    [escalate] = chat.actions(Escalate)
    assert escalate.reason == "risk"
    assert escalate.consent is False
    assert chat.step == "crisis_safe"
    assert "安全な場所" in chat.texts[-1]
    chat.tap("危ないかもしれない")
    assert "119" in chat.texts[0]
    [upgrade] = chat.actions(Escalate)  # the person's danger is news for the counselor
    assert upgrade.reason == "risk"
    assert upgrade.consent is True


def test_crisis_high_safe_then_agrees_to_a_counselor(chat: Chat) -> None:
    chat.say("死にたい", risk=RiskLevel.HIGH)  # even before first contact
    assert YORISOI in chat.texts[0]
    chat.tap("安全な場所にいる")
    assert chat.step == "crisis_listen_ask"
    assert not chat.actions(Escalate)
    chat.tap("相談員と話したい")
    [escalate] = chat.actions(Escalate)
    assert escalate.reason == "request"
    assert escalate.consent is True
    chat.case = queued(risk=RiskLevel.HIGH)
    chat.tap("相談員と話したい")
    assert not chat.actions(Escalate)  # never twice


def test_crisis_imminent_names_119_and_110_first_and_assumes_consent(chat: Chat) -> None:
    chat.start()
    out = chat.say("今から飛び降りる", risk=RiskLevel.IMMINENT)
    first = out.messages[0].text
    assert first.index("119") < first.index(YORISOI)
    assert "110" in first
    [escalate] = chat.actions(Escalate)
    assert escalate.reason == "risk"
    assert escalate.consent is True
    assert "相談員に、すぐに知らせました" in chat.text
    assert chat.step == "crisis_imminent_safe"
    chat.tap("わからない")
    assert "119" in chat.texts[0]


def test_crisis_outside_staffed_hours_tells_the_truth(closed_engine: DialogEngine) -> None:
    chat = Chat(closed_engine)
    chat.say("死にたい", risk=RiskLevel.HIGH)
    assert YORISOI in chat.texts[0]
    assert "相談員がこのチャットに入れません" in chat.text
    assert "相談員が入れるのは月曜日の17:00からです" in chat.text  # when they are back
    assert "声をかけています" not in chat.text  # no counselor is promised
    assert chat.actions(Escalate)  # the card is posted all the same
    assert "お知らせしましょうか" in chat.texts[-1]
    chat.tap("知らせてほしい")
    [notify] = chat.actions(Escalate)
    assert notify.notify_when_open is True
    imminent = Chat(closed_engine)
    imminent.say("今から死ぬ", risk=RiskLevel.IMMINENT)
    assert "119と110は、いつでもつながります" in imminent.text


def test_crisis_again_repeats_a_hotline_without_escalating_twice(chat: Chat) -> None:
    chat.say("死にたい", risk=RiskLevel.HIGH)
    chat.case = queued(risk=RiskLevel.HIGH)
    chat.say("ふつうの話")
    assert YORISOI not in chat.texts[0]
    out = chat.say("やっぱり死にたい", risk=RiskLevel.HIGH)
    assert YORISOI in out.messages[0].text
    assert "119" in out.messages[0].text
    assert not chat.actions(Escalate)
    assert "番目" not in chat.text  # the place in line is not repeated with every message


def test_crisis_rise_to_imminent_while_queued_escalates_again(chat: Chat) -> None:
    chat.say("死にたい", risk=RiskLevel.HIGH)
    chat.case = queued(risk=RiskLevel.HIGH)
    chat.say("薬を全部飲んだ", risk=RiskLevel.IMMINENT)
    assert "119" in chat.texts[0]
    [escalate] = chat.actions(Escalate)
    assert escalate.consent is True


def test_claimed_case_silent_except_when_risk_rises(chat: Chat) -> None:
    chat.start()
    chat.case = claimed(RiskLevel.MODERATE)
    chat.system("case_claimed")
    assert "相談員につながりました" in chat.text
    assert not chat.say("聞いてください").messages  # the counselor is talking
    assert not chat.say("相談員と話したい").messages  # only stop and delete work anytime
    assert not chat.media().messages
    out = chat.say("今から死ぬ", risk=RiskLevel.IMMINENT)
    assert "119" in out.messages[0].text
    assert YORISOI in out.messages[0].text
    assert not chat.actions(Escalate)  # the counselor is already there
    assert not chat.say("死にたい", risk=RiskLevel.IMMINENT).messages  # no rise: counselor handles


# --- asking for a human, waiting, unavailable ------------------------------------------------


@pytest.mark.parametrize(
    "said", ["相談員と話したい", "人と話したい", "電話したい", "相談員さんと話したいです"]
)
def test_asking_for_a_human_from_anywhere(chat: Chat, said: str) -> None:
    chat.start()
    chat.tap("家族")
    chat.say(said)
    [escalate] = chat.actions(Escalate)
    assert escalate.reason == "request"
    assert escalate.consent is True
    assert "声をかけます" in chat.texts[0]
    assert "番目" not in chat.text  # the place in line comes from the desk, once
    assert chat.step == "waiting"


def test_waiting_keeps_company_and_never_escalates_twice(chat: Chat) -> None:
    chat.start()
    chat.say("相談員と話したい")
    chat.case = queued(position=3, wait=20)
    chat.say("まだかな、不安で")
    assert "不安" in chat.texts[0]
    assert not chat.actions(Escalate)
    chat.say("相談員と話したい")
    assert "3番目" in chat.texts[0]
    assert "20分" in chat.texts[0]
    assert not chat.actions(Escalate)
    assert chat.buttons()  # back at the question the person was answering


def test_unavailable_outside_staffed_hours(closed_engine: DialogEngine) -> None:
    chat = Chat(closed_engine)
    chat.profile["consent"] = "yes"
    chat.say("相談員と話したい")
    assert not chat.actions(Escalate)
    assert "相談員がこのチャットに入れません" in chat.texts[0]
    assert YORISOI in chat.texts[0]
    assert "月 17:00〜22:30" in chat.texts[0]
    chat.tap("時間になったら知らせて")
    [escalate] = chat.actions(Escalate)
    assert escalate.consent is True
    assert escalate.notify_when_open is True
    assert "月曜日の17:00になったら" in chat.text
    chat2 = Chat(closed_engine)
    chat2.profile["consent"] = "yes"
    chat2.say("相談員と話したい")
    chat2.tap("ここで話を続ける")
    assert chat2.step == "listen"


def test_case_staffed_flag_wins_over_the_clock(engine: DialogEngine) -> None:
    chat = Chat(engine)
    chat.profile["consent"] = "yes"
    chat.case = CaseStatus("C-1", "queued", RiskLevel.NONE, staffed=False)
    chat.say("相談員と話したい")
    assert "相談員の時間ではありません" in chat.texts[0]  # queued, but nobody is on duty
    assert "順番待ち" not in chat.texts[0]
    assert not chat.actions(Escalate)  # queued already: no second escalation


# --- system events --------------------------------------------------------------------------


def test_case_reminder_position_and_estimate(chat: Chat) -> None:
    chat.start()
    chat.say("相談員と話したい")
    chat.case = queued(position=1, wait=5)
    chat.system("case_reminder")
    assert "1番目" in chat.texts[0]
    assert "5分" in chat.texts[0]
    assert chat.buttons()  # the waiting question's buttons come back
    chat.case = queued(position=None, wait=None)
    chat.system("case_reminder")
    assert "順番にご案内しています" in chat.texts[0]


def test_case_queued_tells_place_in_line_and_keeps_the_question(chat: Chat) -> None:
    chat.start()
    chat.say("相談員と話したい")
    chat.case = queued(position=2, wait=10)
    chat.system("case_queued")
    assert "2番目" in chat.texts[0] and "10分" in chat.texts[0]
    assert chat.buttons()  # the waiting question's buttons come back


def test_case_handed_back_continues_gently(chat: Chat) -> None:
    chat.start()
    chat.case = claimed()
    chat.system("case_claimed")
    chat.case = None
    chat.system("case_handed_back")
    assert "またこのチャットが" in chat.texts[0]
    assert chat.step == "listen"


def test_case_closed_goodbye_and_follow_up(chat: Chat) -> None:
    chat.start()
    chat.say("相談員と話したい")
    chat.case = claimed()
    chat.system("case_claimed")
    chat.case = None
    chat.system("case_closed")
    assert "いつでも" in chat.texts[0]
    assert chat.step == "followup_offer"
    chat.tap("はい、おねがいします")
    [followup] = chat.actions(ScheduleFollowup)
    assert followup.after_hours == 72
    assert chat.actions(EndConversation)
    assert chat.profile["followup"] == "yes"
    assert chat.state["escalation"] is None  # a new request opens a new case


def test_case_closed_without_asking_again_when_follow_up_agreed(chat: Chat) -> None:
    chat.profile.update(consent="yes", followup="yes")
    chat.system("case_closed")
    assert chat.actions(EndConversation)


def test_follow_up_check_in(chat: Chat) -> None:
    chat.profile.update(consent="yes", followup="yes")
    chat.system("followup_due")
    assert "その後いかがですか" in chat.texts[0]
    chat.tap("少し楽になった")
    assert chat.actions(CancelFollowups)
    assert chat.actions(EndConversation)
    chat.system("followup_due")
    chat.tap("つらくなった")
    assert YORISOI in chat.texts[0]
    assert chat.step == "offer_counselor_ask"
    chat.system("followup_due")
    chat.tap("もう連絡はいらない")
    assert chat.profile["followup"] == "no"


def test_unknown_system_event_is_ignored(chat: Chat) -> None:
    chat.start()
    before = dict(chat.state)
    out = chat.system("something_new")
    assert not out.messages
    assert chat.state["step"] == before["step"]


# --- goodbye, stop, forget ------------------------------------------------------------------


def test_stop_ends_at_once(chat: Chat) -> None:
    chat.start()
    chat.tap("仕事")
    chat.say("やめる。")
    assert "いつでも" in chat.texts[0]
    assert chat.actions(EndConversation)
    assert chat.step is None
    chat.say("こんにちは")  # a new conversation starts at the opening
    assert chat.step == "opening"


def test_quitting_a_job_is_not_stop(chat: Chat) -> None:
    chat.start()
    chat.say("仕事をやめることになった", factors=("unemployment",))
    assert not chat.actions(EndConversation)
    assert chat.step == "offer_work_ask"


def test_goodbye_offers_follow_up_after_a_real_talk(chat: Chat) -> None:
    chat.start()
    chat.tap("その他")
    chat.say("いろいろあって")
    chat.say("つらかった")
    chat.tap("今日はここまで")
    assert YORISOI in chat.texts[0]  # how to reach someone now
    assert chat.step == "followup_offer"
    chat.tap("いいえ")
    assert chat.actions(CancelFollowups)
    assert chat.actions(EndConversation)


def test_goodbye_right_away_just_ends(chat: Chat) -> None:
    chat.start()
    chat.tap("その他")
    chat.say("やっぱりいいです")
    chat.tap("今日はここまで")
    assert chat.actions(EndConversation)


def test_forget_me_confirms_first(chat: Chat) -> None:
    chat.start()
    chat.say("データを消してください")
    assert chat.step == "forget_confirm"
    assert not chat.actions(ForgetMe)
    chat.tap("消さない")
    assert not chat.actions(ForgetMe)
    chat.say("記録を削除して")
    out = chat.tap("消す")
    assert chat.actions(ForgetMe)
    assert chat.actions(EndConversation)
    assert out.state == {}
    assert out.profile == {}


def test_privacy_question_answers_and_returns(chat: Chat) -> None:
    chat.start()
    chat.say("これって誰が読むの？")
    assert "相談員と、その責任者だけ" in chat.texts[0]
    assert chat.step == "opening"
    assert "仕事" in chat.buttons()


# --- returning, media, unfollow ---------------------------------------------------------------


def test_welcome_back_knows_the_last_topic_not_the_words(chat: Chat) -> None:
    chat.start()
    chat.tap("お金・借金")
    chat.say("消費者金融の返済が月に8万円", factors=("debt",))
    assert "8万円" not in json.dumps(chat.state, ensure_ascii=False)
    assert "8万円" not in json.dumps(chat.profile, ensure_ascii=False)
    chat.returning = True
    chat.state = {}
    chat.say("こんばんは")
    assert "おかえりなさい" in chat.texts[0]
    assert "お金・借金" in chat.texts[0]
    chat.tap("前回の続き")
    assert chat.step == "listen"


def test_welcome_back_without_a_topic(chat: Chat) -> None:
    chat.profile["consent"] = "yes"
    chat.returning = True
    chat.say("こんにちは")
    assert "おかえりなさい" in chat.texts[0]
    assert chat.step == "opening"


def test_welcome_back_listens_when_the_first_message_says_something(chat: Chat) -> None:
    chat.profile.update(consent="yes", last_topic="work")
    chat.returning = True
    chat.say("また上司に怒鳴られた", factors=("workplace_trouble",))
    assert "おかえりなさい" in chat.texts[0]
    assert "お仕事" in chat.text
    assert chat.step == "offer_work_ask"


def test_follow_again(chat: Chat) -> None:
    chat.profile["consent"] = "yes"
    chat.follow()
    assert "また友だち追加" in chat.texts[0]
    assert chat.step == "opening"


def test_media_invites_words_and_keeps_the_question(chat: Chat) -> None:
    chat.start()
    chat.media()
    assert "言葉" in chat.texts[0]
    assert chat.step == "opening"
    assert "仕事" in chat.buttons()
    fresh = Chat(chat.engine)
    fresh.media()  # a sticker as the very first thing: first contact
    assert "はじめまして" in fresh.texts[0]


def test_unfollow_cancels_follow_ups_silently(chat: Chat) -> None:
    chat.start()
    out = chat.unfollow()
    assert not out.messages
    assert out.actions == (CancelFollowups(),)
    assert out.profile == {"followup": "no"}


# --- reloads and damaged state ----------------------------------------------------------------


def test_step_that_disappeared_after_a_reload_lands_safely(chat: Chat) -> None:
    chat.start()
    chat.state = {**chat.state, "step": "step_removed_in_new_version"}
    out = chat.say("それでね、続きなんだけど")
    assert out.messages
    assert chat.step == "listen"
    chat.state = {**chat.state, "step": "another_removed_step"}
    chat.postback("another_removed_step|はい")
    assert chat.last.messages
    assert chat.step == "listen"


def test_old_button_of_a_changed_step_asks_the_current_question_again(chat: Chat) -> None:
    chat.start()
    chat.postback("opening|もう無いボタン")
    assert chat.step == "opening"
    assert "仕事" in chat.buttons()


def test_older_button_still_works(chat: Chat) -> None:
    chat.start()
    chat.tap("仕事")
    chat.postback("opening|お金・借金")  # tapped on an earlier message
    assert chat.step == "topic_money"


@pytest.mark.parametrize(
    "state",
    [
        {"step": 5, "vars": "x", "visits": {"a": "b"}, "escalation": "yes", "crisis": "high"},
        {"v": 99, "step": "listen", "collected": None, "factors": "debt"},
        {"step": "consent", "risk": 4000},
    ],
)
def test_damaged_state_never_errors(engine: DialogEngine, state: dict[str, object]) -> None:
    chat = Chat(engine)
    chat.profile["consent"] = "yes"
    chat.state = state
    out = chat.say("こんにちは")
    assert out.messages
    assert isinstance(out.state, dict)
    assert out.state.get("v") == 1


def test_an_engine_failure_still_answers_and_gives_hotlines_in_a_crisis(
    engine: DialogEngine, monkeypatch: pytest.MonkeyPatch
) -> None:
    def broken(_turn: object) -> None:
        raise RuntimeError("bug")

    monkeypatch.setattr(engine, "_respond", broken)
    chat = Chat(engine)
    out = chat.say("死にたい", risk=RiskLevel.HIGH)
    assert YORISOI in out.messages[0].text
    calm = Chat(engine)
    assert calm.say("こんにちは").messages  # a kind "please try again", never silence


def test_agreeing_to_an_older_version_of_the_terms_asks_again(chat: Chat) -> None:
    chat.profile.update(consent="yes", consent_terms="2020-01-01")
    chat.say("こんばんは")
    assert "はじめまして" in chat.texts[0]  # the terms changed since: shown again
    chat.tap("はじめる")
    assert chat.profile["consent_terms"] == chat.engine.service.terms_version
    again = Chat(chat.engine)
    again.profile.update(consent="yes", consent_terms=chat.engine.service.terms_version)
    again.say("こんばんは")
    assert "はじめまして" not in again.text


def test_stop_and_delete_work_while_a_counselor_holds_the_case(chat: Chat) -> None:
    chat.start()
    chat.case = claimed()
    chat.system("case_claimed")
    assert not chat.say("消したいことがある").messages  # ordinary words: the counselor's
    chat.say("データを消して")
    assert "消してもいいですか" in chat.text
    assert not chat.say("えっと").messages  # not an answer: back to the counselor, quietly
    chat.say("データを消して")
    chat.tap("消す")
    assert chat.actions(ForgetMe)
    stopper = Chat(chat.engine)
    stopper.start()
    stopper.case = claimed()
    stopper.say("やめる")
    assert "相談員にも、終わりにしたことを伝えます" in stopper.text
    assert stopper.actions(EndConversation)
