"""Conversation level: accumulation, pathway chains, prior factors, incremental screening."""

from __future__ import annotations

import json

import pytest

from bot.screening import RiskLevel, Screener, ScreeningState

PATHWAY = ["失業しました", "家賃が払えない", "カードローンでしのいでいる", "最近ずっと眠れない"]


def test_four_links_make_a_high_risk_conversation(screener: Screener) -> None:
    levels = []
    state = None
    for text in PATHWAY:
        result, state = screener.screen(text, state)
        levels.append(result.message_risk)
    assert max(levels) <= RiskLevel.LOW  # no message alone is a crisis
    assert result.risk == RiskLevel.HIGH
    assert result.factors == ("unemployment", "poverty", "debt", "depression")
    assert result.pathway is not None
    assert result.pathway.chain_id == "jobless_job_loss"
    assert result.pathway.matched == ("unemployment", "poverty", "debt", "depression")
    assert any("危機経路" in r for r in result.reasons)


def test_pathway_reports_what_comes_next(screener: Screener) -> None:
    result = screener.screen_conversation(["失業しました", "家賃が払えない"])
    assert result.risk == RiskLevel.MODERATE
    assert result.pathway is not None
    assert result.pathway.next == ("debt",)


def test_two_links_are_moderate_and_one_is_low(screener: Screener) -> None:
    assert screener.screen_conversation(["クビになった"]).risk == RiskLevel.LOW
    assert screener.screen_conversation(["クビになってローンが払えない"]).risk == RiskLevel.MODERATE


def test_prior_factors_count_for_the_pathway_but_are_not_reported(screener: Screener) -> None:
    without = screener.screen_conversation(["最近ずっと眠れない"])
    with_prior = screener.screen_conversation(
        ["最近ずっと眠れない"], prior_factors=["unemployment", "poverty", "debt"]
    )
    assert without.risk == RiskLevel.LOW
    assert with_prior.risk == RiskLevel.HIGH
    assert with_prior.factors == ("depression",)
    assert with_prior.pathway is not None
    assert "unemployment" in with_prior.pathway.matched


def test_isolation_amplifies_a_chain(screener: Screener) -> None:
    result = screener.screen_conversation(["離婚して一人になり、誰とも話していない"])
    assert result.risk == RiskLevel.MODERATE


def test_risk_never_drops_within_a_conversation(screener: Screener) -> None:
    first, state = screener.screen("死にたい")
    second, state = screener.screen("ありがとう、少し楽になった", state)
    assert first.risk == second.risk == RiskLevel.HIGH
    assert second.message_risk == RiskLevel.NONE
    assert second.previous_risk == RiskLevel.HIGH
    assert not second.rose


def test_only_an_explanation_lowers_it_and_a_crisis_word_brings_it_back(screener: Screener) -> None:
    first, state = screener.screen("ホームセンターで練炭とロープ買った")
    second, state = screener.screen("週末のキャンプが楽しみ", state)
    third, state = screener.screen("…でもほんとは死にたい", state)
    assert first.risk == RiskLevel.IMMINENT
    assert second.risk <= RiskLevel.LOW and not second.rose
    assert third.risk == RiskLevel.IMMINENT and third.rose  # the rope counts again


def test_plan_after_ideation_is_imminent(screener: Screener) -> None:
    result = screener.screen_conversation(["死にたい", "ロープはもう用意してある"])
    assert result.risk == RiskLevel.IMMINENT
    assert result.rose


@pytest.mark.parametrize(
    "messages",
    [
        PATHWAY,
        ["こんにちは", "死にたい", "ロープを買った"],
        ["夫の暴力から逃げてきました", "仕事もなくお金もありません", "生きていく自信がない"],
        ["ゲームで死んだ", "笑いすぎて死ぬかと思った"],
    ],
)
def test_incremental_equals_whole_conversation(screener: Screener, messages: list[str]) -> None:
    whole = screener.screen_conversation(messages)
    state: ScreeningState | None = None
    for text in messages:
        stored = None if state is None else json.loads(json.dumps(state.to_json()))
        result, state = screener.screen(
            text, None if stored is None else ScreeningState.from_json(stored)
        )
    assert result == whole


def test_signals_know_their_message(screener: Screener) -> None:
    result = screener.screen_conversation(["こんにちは", "借金がある", "死にたい"])
    by_class = {s.cls: s.message for s in result.signals}
    assert by_class["factor"] == 1
    assert by_class["ideation"] == 2
    assert result.new_signals(2)[0].text == "死にたい"


def test_reasons_are_for_the_case_card(screener: Screener) -> None:
    result = screener.screen_conversation(["借金が返せなくて死にたい"])
    assert any("死にたい" in r for r in result.reasons)
    assert any("負債" in r for r in result.reasons)


async def test_many_tasks_share_one_screener(screener: Screener) -> None:
    import asyncio

    async def one(text: str) -> RiskLevel:
        await asyncio.sleep(0)
        return screener.screen(text)[0].risk

    results = await asyncio.gather(*(one(t) for t in ["死にたい", "こんにちは"] * 20))
    assert results == [RiskLevel.HIGH, RiskLevel.NONE] * 20


def test_what_comes_back_is_not_counted_twice(screener: Screener) -> None:
    result = screener.screen_conversation(
        [
            "借金もあって、ホームセンターで練炭とロープ買った",
            "週末のキャンプが楽しみ",
            "…でもほんとは死にたい",
        ]
    )
    keys = [(s.cls, s.term, s.message, s.start) for s in result.signals]
    assert len(keys) == len(set(keys)), keys
    assert result.risk == RiskLevel.IMMINENT
