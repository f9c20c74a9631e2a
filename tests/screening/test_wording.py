"""The wording model (bot/screening/wording.py): its scoring is scikit-learn's, the shipped model
is trained on today's labelled sets, and the screener uses it only to raise, with the person's
words on the card, never against what the rules read as an idiom, a quote or someone else."""

from __future__ import annotations

import math
from pathlib import Path

import pytest

from bot.screening import RiskLevel, Screener, ScreeningState
from bot.screening.cli import labelled_sets, train_wording
from bot.screening.config import WordingSettings
from bot.screening.wording import IMMINENT, MODEL_FILE, WordingModel, ngrams, train
from bot.yamlio import ConfigError

from .conftest import CONFIG

# A tiny hand-made model: ぬいぐるみ weighs towards a crisis (words no rule knows, so that only
# the model can raise), みかん a little, 食べ nothing. (idf 1.0 everywhere: an n-gram's value is
# 1 + log of its count, over the norm of the known n-grams.)
TINY = WordingModel(
    {
        "ぬい": (1.0, 6.0),
        "ぐる": (1.0, 6.0),
        "みか": (1.0, 3.0),
        "食べ": (1.0, 0.0),
    },
    biases=(-1.0,),
    trained_on={},
)


def with_model(screener: Screener, model: WordingModel | None) -> Screener:
    return Screener(screener.config, screener._tokenizer, model)


def test_ngrams_are_one_to_three_characters_of_each_padded_word() -> None:
    grams = ngrams("死にたい")
    assert grams[:6] == [" ", "死", "に", "た", "い", " "]
    assert {" 死", "死に", "たい", "い ", " 死に", "死にた", "たい "} <= set(grams)
    assert "い 明" not in ngrams("死にたい 明日")  # words are read apart
    assert ngrams("") == []


def test_probability_is_scikit_learns_tf_idf_and_logistic_regression() -> None:
    from sklearn.feature_extraction.text import TfidfVectorizer
    from sklearn.linear_model import LogisticRegression

    conversations = [
        (("もう終わりにしたい",), True),
        (("手すりに足をかけた",), True),
        (("ホームの端で一歩出るだけ",), True),
        (("今日は晴れて気持ちいい",), False),
        (("週末は友だちと映画",), False),
        (("手すりのペンキを塗り直した",), False),
    ]
    model = train([(m, (crisis, not crisis)) for m, crisis in conversations], str, {})
    texts = ["\n".join(m) for m, _ in conversations]
    vectorizer = TfidfVectorizer(analyzer=ngrams, sublinear_tf=True, min_df=2)
    matrix = vectorizer.fit_transform(texts)
    fitted = LogisticRegression(C=4.0, max_iter=5000, class_weight="balanced").fit(
        matrix, [c for _, c in conversations]
    )
    other = LogisticRegression(C=4.0, max_iter=5000, class_weight="balanced").fit(
        matrix, [not c for _, c in conversations]
    )
    for probe in ["手すりに足を", "映画の終わり", "一歩出る", "まったく知らない言葉"]:
        expected = fitted.predict_proba(vectorizer.transform([probe]))[0, 1]
        assert math.isclose(model.probability([probe]), expected, abs_tol=1e-9), probe
        second = other.predict_proba(vectorizer.transform([probe]))[0, 1]
        assert math.isclose(model.probability([probe], IMMINENT), second, abs_tol=1e-9), probe


def test_the_shipped_model_is_trained_on_todays_labelled_sets() -> None:
    """A labelled set was added or changed: run `python -m bot screen --train-wording`."""
    model = WordingModel.load(MODEL_FILE)
    from bot.screening.wording import file_hashes

    assert model.trained_on == file_hashes(labelled_sets(CONFIG.parent / "tests" / "data")), (
        "the labelled sets changed since the wording model was trained: "
        "run python -m bot screen --train-wording"
    )


def test_retraining_gives_the_shipped_model_back() -> None:
    shipped = WordingModel.load(MODEL_FILE)
    fresh = train_wording(CONFIG, labelled_sets(CONFIG.parent / "tests" / "data"))
    assert set(fresh.vocabulary) == set(shipped.vocabulary)
    for probe in ["もう疲れた", "明日の会議の資料", "ベランダから下を見てる", "ありがとう元気でね"]:
        assert math.isclose(fresh.probability([probe]), shipped.probability([probe]), abs_tol=1e-3)


def test_worded_like_a_crisis_is_high_with_the_clause_on_the_card(screener: Screener) -> None:
    message = "ｷﾉｳはみかん食べた、ぬいぐるみ"
    plain = with_model(screener, None).screen_conversation([message])
    assert plain.risk == RiskLevel.NONE  # the rules alone: nothing they name
    result = with_model(screener, TINY).screen_conversation([message])
    assert result.risk == RiskLevel.HIGH
    (said,) = [s for s in result.signals if s.cls == "wording"]
    assert said.text == "ぬいぐるみ"  # the clause that weighed most, as written
    assert message[said.start : said.end] == said.text
    assert "文面の全体像（統計的な見立て）：「ぬいぐるみ」" in result.reasons
    # the span is the person's own characters, before normalization (ｷﾉｳ is 5 of them)
    first = with_model(screener, TINY).screen_conversation(["ｷﾉｳのぬいぐるみ、みかん"])
    (said,) = [s for s in first.signals if s.cls == "wording"]
    assert said.text == "ｷﾉｳのぬいぐるみ"


def test_the_window_reads_the_previous_message_too(screener: Screener) -> None:
    # みかん or ぬいぐるみ alone is not enough for this model (p 0.27); the two together are (0.82)
    pair = with_model(
        screener,
        WordingModel({"みか": (1.0, 6.0), "ぬい": (1.0, 6.0)}, biases=(-7.0,), trained_on={}),
    )
    assert pair.screen_conversation(["みかん"]).risk < RiskLevel.HIGH
    assert pair.screen_conversation(["ぬいぐるみ"]).risk < RiskLevel.HIGH
    assert pair.screen_conversation(["みかん", "ぬいぐるみ"]).risk == RiskLevel.HIGH
    # two messages apart, the window (2) no longer holds the first
    assert pair.screen_conversation(["みかん", "こんにちは", "ぬいぐるみ"]).risk < RiskLevel.HIGH
    _, state = pair.screen("みかん")
    assert state.extra["wording"] == [{"text": "みかん", "message": 0, "away": False}]


def test_it_never_overrules_an_idiom_or_a_quote(screener: Screener) -> None:
    tiny = with_model(screener, TINY)
    assert tiny.screen_conversation(["ぬいぐるみ抱いて死ぬほど笑った"]).risk <= RiskLevel.LOW
    quoted = tiny.screen_conversation(["友達が「ぬいぐるみと一緒に死にたい」って言ってた"])
    assert quoted.risk < RiskLevel.HIGH
    assert not [s for s in quoted.signals if s.cls == "wording"]


def test_it_never_overrules_a_past_that_is_over(screener: Screener) -> None:
    tiny = with_model(screener, TINY)
    over = ["離婚してすぐは、ぬいぐるみ抱いて死にたいと思ってました", "今は再婚して幸せです"]
    assert with_model(screener, None).screen_conversation(over).risk <= RiskLevel.LOW
    result = tiny.screen_conversation(over)
    assert result.risk <= RiskLevel.LOW
    assert not [s for s in result.signals if s.cls == "wording"]


def test_the_window_keeps_what_the_rules_read_away(screener: Screener) -> None:
    """A past told in one message is not made a crisis by the next one's window."""
    tiny = with_model(screener, TINY)
    result = tiny.screen_conversation(["昔はぬいぐるみ抱いて毎日死にたいと思ってた", "そう"])
    assert not [s for s in result.signals if s.cls == "wording"]
    assert result.risk < RiskLevel.HIGH


def test_the_window_keeps_an_idiom_read_away(screener: Screener) -> None:
    tiny = with_model(screener, TINY)
    result = tiny.screen_conversation(["死ぬほどぬいぐるみ好き", "そう"])
    assert result.risk < RiskLevel.HIGH


def test_an_everyday_message_does_not_explain_away_what_only_the_model_read(
    screener: Screener,
) -> None:
    tiny = with_model(screener, TINY)
    assert tiny.screen_conversation(["ぬいぐるみ", "週末のキャンプ楽しみ"]).risk == RiskLevel.HIGH


def test_an_idiom_that_hides_only_a_distress_word_does_not_silence_it(screener: Screener) -> None:
    tiny = with_model(screener, TINY)
    result = tiny.screen_conversation(["筋トレがつらい。ぬいぐるみ"])
    assert result.risk == RiskLevel.HIGH


def test_it_only_raises(screener: Screener) -> None:
    tiny = with_model(screener, TINY)
    imminent = tiny.screen_conversation(["今夜、薬を全部飲みます。ぬいぐるみ"])
    assert imminent.risk == RiskLevel.IMMINENT
    assert not [s for s in imminent.signals if s.cls == "wording"]  # the rules said more


def test_a_person_who_declined_keeps_no_words_in_the_window(screener: Screener) -> None:
    _, state = with_model(screener, TINY).screen("今日はぬいぐるみを洗った")
    blank = state.without_words()
    assert blank.extra["wording"] == [{"text": "", "message": 0, "away": False}]
    assert ScreeningState.from_json(blank.to_json()).extra["wording"][0]["text"] == ""


# A two-head model: nothing for the crisis head, ぬいぐるみ for the imminent one.
TWO_HEADS = WordingModel(
    {"ぬい": (1.0, 0.0, 6.0), "ぐる": (1.0, 0.0, 6.0)}, biases=(-5.0, -1.0), trained_on={}
)


def test_a_high_conversation_worded_like_an_imminent_one_is_imminent(screener: Screener) -> None:
    model = with_model(screener, TWO_HEADS)
    assert model.screen_conversation(["死にたい"]).risk == RiskLevel.HIGH
    result = model.screen_conversation(["死にたい", "ぬいぐるみ抱いてる"])
    assert result.risk == RiskLevel.IMMINENT
    assert result.message_risk == RiskLevel.IMMINENT
    assert any("文面の全体像が差し迫った危険の相談によく似ています" in r for r in result.reasons)
    assert [s.text for s in result.signals if s.cls == "wording"] == ["ぬいぐるみ抱いてる"]
    # not below high: the imminent head only moves a conversation already at high
    assert model.screen_conversation(["ぬいぐるみ抱いてる"]).risk == RiskLevel.NONE
    # a high the first head raised moves on to imminent when the second head reads it so
    # (cross-validated: imminent recall 0.788 -> 0.835 for 20 more over-calls in 4,000)
    both = with_model(
        screener, WordingModel({"ぬい": (1.0, 6.0, 6.0), "ぐる": (1.0, 6.0, 6.0)}, (-1.0, -1.0), {})
    )
    raised = both.screen_conversation(["ぬいぐるみ抱いてる"])
    assert raised.risk == RiskLevel.IMMINENT
    assert {s.term for s in raised.signals if s.cls == "wording"} == {"wording", "wording_imminent"}
    only_first = with_model(
        screener, WordingModel({"ぬい": (1.0, 6.0, 0.0), "ぐる": (1.0, 6.0, 0.0)}, (-1.0, -5.0), {})
    )
    assert only_first.screen_conversation(["ぬいぐるみ抱いてる"]).risk == RiskLevel.HIGH
    # the reason stays on the card of every later message, and a blank message raises nothing
    later = model.screen_conversation(["死にたい", "ぬいぐるみ抱いてる", "そう"])
    assert later.risk == RiskLevel.IMMINENT
    assert any("文面の全体像が差し迫った危険の相談によく似ています" in r for r in later.reasons)
    # (a window of one, and a model whose imminent head says yes to anything it knows nothing of)
    import dataclasses

    config = dataclasses.replace(
        screener.config, wording=dataclasses.replace(screener.config.wording, window=1)
    )
    eager = WordingModel({"死に": (1.0, 0.0, -9.0)}, biases=(-5.0, 2.0), trained_on={})
    blank = Screener(config, screener._tokenizer, eager)
    assert blank.screen_conversation(["死にたい"]).risk == RiskLevel.HIGH
    assert blank.screen_conversation(["死にたい", "そう"]).risk == RiskLevel.IMMINENT
    assert blank.screen_conversation(["死にたい", " "]).risk == RiskLevel.HIGH
    # a model with one head has no imminent reading
    one = with_model(screener, WordingModel({"ぬい": (1.0, 0.0)}, (-5.0,), {}))
    assert one.screen_conversation(["死にたい", "ぬいぐるみ抱いてる"]).risk == RiskLevel.HIGH


def test_disabled_in_screening_yaml_means_the_rules_alone(tmp_path: Path) -> None:
    config = _copy_config(tmp_path)
    path = config / "screening.yaml"
    path.write_text(
        path.read_text(encoding="utf-8").replace("  enabled: true", "  enabled: false"),
        encoding="utf-8",
    )
    assert Screener.load(config).wording is None


def _copy_config(tmp_path: Path) -> Path:
    import shutil

    target = tmp_path / "config"
    shutil.copytree(CONFIG, target)
    return target


@pytest.mark.parametrize(
    ("old", "new", "said"),
    [
        ("  threshold: 0.8", "  threshold: 2", "threshold: は 0.5 から 0.99 までの数"),
        ("  threshold: 0.8", "  threshold: たかめ", "いまは「たかめ」"),
        ("  overrule: 0.85", "  overrule: 1.5", "overrule: は 0.5 から 0.99 までの数"),
        ("  imminent: 0.8", "  imminent: 0", "imminent: は 0.5 から 0.99 までの数"),
        ("  flags: 0.6", "  flags: 0.3", "flags: は 0.5 から 0.99 までの数"),
        ("  factors: 0.8", "  factors: ぜんぶ", "いまは「ぜんぶ」"),
        ("  window: 2", "  window: 0", "window: は 1 から 5 までの整数"),
        ("  window: 2", "  window: 2.5", "window: は 1 から 5 までの整数"),
        ("  enabled: true", "  enabled: はい", "true（はい）か false（いいえ）"),
        ("  window: 2", "  window: 2\n  windows: 3", "windows"),
        ("  window: 2", "  window: " + "9" * 400, "window: は 1 から 5 までの整数"),
        ("  overrule: 0.85", "  overrule: 0.6", "overrule:（0.6）は threshold:（0.8）以上"),
        (
            "wording:         {label: 文面の全体像（統計的な見立て）, level: high}",
            "wording:         {label: 文面の全体像（統計的な見立て）, level: imminent}",
            "level: は high にしてください",
        ),
    ],
)
def test_bad_wording_settings_are_explained(tmp_path: Path, old: str, new: str, said: str) -> None:
    config = _copy_config(tmp_path)
    path = config / "screening.yaml"
    text = path.read_text(encoding="utf-8")
    assert old in text
    path.write_text(text.replace(old, new, 1), encoding="utf-8")
    with pytest.raises(ConfigError) as caught:
        Screener.load(config)
    lines = [str(p) for p in caught.value.problems]
    assert any("screening.yaml" in line and said in line for line in lines), lines


def test_a_number_too_long_for_python_is_a_problem_not_a_crash(tmp_path: Path) -> None:
    config = _copy_config(tmp_path)
    path = config / "screening.yaml"
    text = path.read_text(encoding="utf-8")
    path.write_text(text.replace("  window: 2", "  window: " + "9" * 5000, 1), encoding="utf-8")
    with pytest.raises(ConfigError) as caught:
        Screener.load(config)
    assert any("screening.yaml" in str(p) for p in caught.value.problems)


def test_a_missing_model_file_is_explained(tmp_path: Path) -> None:
    with pytest.raises(ConfigError) as caught:
        Screener.load(CONFIG, tmp_path / "wording_model.json")
    (problem,) = caught.value.problems
    assert "文面モデル" in str(problem) and "--train-wording" in str(problem)


def test_default_settings_match_the_shipped_file(screener: Screener) -> None:
    assert screener.config.wording == WordingSettings(True, 0.8, 2, 0.85, 0.8, 0.6, 0.8)


def test_trained_without_a_set_the_model_still_finds_more_of_its_crises(screener: Screener) -> None:
    """The honest check (what --cross-validate prints for every set): set K, which the model
    never saw, is scored by the rules alone and with a model trained on the other sets. On
    2 December: crisis recall 0.762 → 0.846 (+0.084), false alarms 0.012 → 0.012."""
    from bot.screening.evaluation import evaluate, read_cases

    data = CONFIG.parent / "tests" / "data"
    held = data / "screening_dev_k.jsonl"
    model = train_wording(CONFIG, [p for p in labelled_sets(data) if p != held])
    cases = read_cases(held)
    rules = evaluate(with_model(screener, None), cases, "rules").metrics()
    both = evaluate(with_model(screener, model), cases, "with the model").metrics()
    assert rules["crisis_recall"] is not None and both["crisis_recall"] is not None
    assert rules["false_alarm_rate"] is not None and both["false_alarm_rate"] is not None
    assert both["crisis_recall"] >= rules["crisis_recall"] + 0.06
    assert both["false_alarm_rate"] <= rules["false_alarm_rate"] + 0.02
    assert both["imminent_recall"] is not None and rules["imminent_recall"] is not None
    assert both["imminent_recall"] >= rules["imminent_recall"]


# The look-alikes of test_structure_rules.py the shipped model may raise to high although the
# rules keep them calm (docs/screening.md, "Known limits"): at most this many of about 195.
# Which ones moves with each retraining; on 2 December (18 sets) they were 8: "no longer here"
# without the move or trip that explains it (春には地元からいなくなるつもり, その頃にはもう会社に
# いない, 明日の朝にはもうここにいないよ、始発で帰るから, 明日の朝には私いないから、鍵お願い,
# 私がいなくなったら会社どうなるんだろう), a swallow with no object before the coffee it was
# (さっき飲んだ / コーヒー、眠気覚ましに), a fear of not waking from an operation, a towel on a
# door handle.
MAX_OVER_CALLS = 10


def _structure_look_alikes() -> list[tuple[str, ...]]:
    """Every (messages, RiskLevel.NONE or LOW) case written in test_structure_rules.py."""
    import ast

    tree = ast.parse((Path(__file__).with_name("test_structure_rules.py")).read_text("utf-8"))
    cases = []
    for node in ast.walk(tree):
        if not (isinstance(node, ast.Tuple) and len(node.elts) == 2):
            continue
        messages, expected = node.elts
        if (
            isinstance(messages, ast.Tuple)
            and messages.elts
            and all(isinstance(e, ast.Constant) and isinstance(e.value, str) for e in messages.elts)
            and isinstance(expected, ast.Attribute)
            and expected.attr in ("NONE", "LOW")
        ):
            cases.append(tuple(str(e.value) for e in messages.elts))  # type: ignore[attr-defined]
    return cases


def test_the_model_leaves_the_rules_look_alikes_calm(screener: Screener) -> None:
    look_alikes = _structure_look_alikes()
    assert len(look_alikes) > 150
    rules = with_model(screener, None)
    raised = {
        case
        for case in look_alikes
        if screener.screen_conversation(list(case)).risk
        > max(rules.screen_conversation(list(case)).risk, RiskLevel.MODERATE)
    }
    assert len(raised) <= MAX_OVER_CALLS, sorted(raised)


# A model with flag and factor heads: ぬいぐるみ weighs towards harm to someone else, みかん
# towards debt, りんご towards a factor id the config does not know (no crisis, no imminent).
OTHERS = WordingModel(
    {
        "ぬい": (1.0, 0.0, 0.0, 8.0, 0.0, 0.0),
        "ぐる": (1.0, 0.0, 0.0, 8.0, 0.0, 0.0),
        "みか": (1.0, 0.0, 0.0, 0.0, 8.0, 0.0),
        "りん": (1.0, 0.0, 0.0, 0.0, 0.0, 8.0),
    },
    biases=(-9.0, -9.0, -2.0, -2.0, -2.0),
    trained_on={},
    heads=("crisis", "imminent", "harm_to_others", "factor:debt", "factor:no_such_factor"),
)


def test_a_flag_head_flags_with_the_words_and_raises_to_a_counselor(screener: Screener) -> None:
    plain = with_model(screener, None).screen_conversation(["きのうぬいぐるみを買った"])
    assert plain.flags == () and plain.risk == RiskLevel.NONE  # nothing the rules read
    result = with_model(screener, OTHERS).screen_conversation(["きのう、ぬいぐるみを買った"])
    assert result.flags == ("harm_to_others",)
    assert result.risk == RiskLevel.MODERATE  # someone ready to hurt another: a counselor
    (said,) = [s for s in result.signals if s.term == "wording"]
    assert (said.cls, said.text) == ("harm_to_others", "ぬいぐるみを買った")
    assert "他者への危害の恐れ（統計的な見立て）：「ぬいぐるみを買った」" in result.reasons
    assert result.to_json("x")["flags"] == ["harm_to_others"]
    # once flagged, the flag stays for the rest of the conversation (as a rule's flag does)
    later = with_model(screener, OTHERS).screen_conversation(["ぬいぐるみ", "こんにちは"])
    assert later.flags == ("harm_to_others",)


def test_a_factor_head_lists_the_factor_with_the_words(screener: Screener) -> None:
    result = with_model(screener, OTHERS).screen_conversation(["みかんが高い"])
    assert result.factors == ("debt",)
    (said,) = [s for s in result.signals if s.term == "wording"]
    assert (said.cls, said.factor, said.text) == ("factor", "debt", "みかんが高い")
    assert result.risk == RiskLevel.LOW  # a concrete life problem, as a factor word gives
    # listed once, not again for every message that reads the same
    twice = with_model(screener, OTHERS).screen_conversation(["みかんが高い", "みかん"])
    assert twice.factors == ("debt",)
    assert len([s for s in twice.signals if s.factor == "debt"]) == 1
    # a head for a factor id the config does not know is never listed
    assert with_model(screener, OTHERS).screen_conversation(["りんご"]).factors == ()


def test_flag_and_factor_heads_stay_below_their_thresholds(screener: Screener) -> None:
    import dataclasses

    weak = WordingModel(
        {"ぬい": (1.0, 0.0, 0.0, 5.0, 0.0), "みか": (1.0, 0.0, 0.0, 0.0, 5.0)},
        biases=(-9.0, -9.0, -2.0, -2.0),
        trained_on={},
        heads=("crisis", "imminent", "harm_to_others", "factor:debt"),
    )
    assert 0.8 < weak.probability(["ぬいぐるみ"], 2) < 0.99
    assert 0.8 < weak.probability(["みかん"], 3) < 0.99
    assert with_model(screener, weak).screen_conversation(["ぬいぐるみ"]).flags
    assert with_model(screener, weak).screen_conversation(["みかん"]).factors
    config = dataclasses.replace(
        screener.config,
        wording=dataclasses.replace(screener.config.wording, flags=0.99, factors=0.99),
    )
    strict = Screener(config, screener._tokenizer, weak)
    assert strict.screen_conversation(["ぬいぐるみ"]).flags == ()
    assert strict.screen_conversation(["みかん"]).factors == ()


def test_every_head_is_scikit_learns_and_survives_saving(tmp_path: Path) -> None:
    from sklearn.feature_extraction.text import TfidfVectorizer
    from sklearn.linear_model import LogisticRegression

    conversations = [
        (("あいつの家に火をつける",), (True, False, True)),
        (("包丁を持って会いに行く",), (True, True, True)),
        (("家賃を払うと何も残らない",), (False, False, False)),
        (("会いに行くのが楽しみ",), (False, False, False)),
        (("火をつけるのはキャンプで",), (False, False, False)),
    ]
    heads = ("crisis", "imminent", "harm_to_others")
    model = train(conversations, str, {"x.jsonl": "0"}, heads)
    assert model.heads == heads
    texts = ["\n".join(m) for m, _ in conversations]
    vectorizer = TfidfVectorizer(analyzer=ngrams, sublinear_tf=True, min_df=2)
    matrix = vectorizer.fit_transform(texts)
    path = tmp_path / "model.json.gz"
    model.save(path)
    loaded = WordingModel.load(path)
    assert loaded.heads == heads and loaded.trained_on == {"x.jsonl": "0"}
    for head in range(3):
        fitted = LogisticRegression(C=4.0, max_iter=5000, class_weight="balanced").fit(
            matrix, [labels[head] for _, labels in conversations]
        )
        for probe in ["火をつける", "会いに行く", "知らない言葉", "家賃を払う家賃"]:
            expected = fitted.predict_proba(vectorizer.transform([probe]))[0, 1]
            assert math.isclose(model.probability([probe], head), expected, abs_tol=1e-9)
            # (saved rounded to five decimals)
            assert math.isclose(loaded.probability([probe], head), expected, abs_tol=1e-3)
    # the same model saves to the same bytes (no time stamp in the file)
    again = tmp_path / "again.json.gz"
    model.save(again)
    assert again.read_bytes() == path.read_bytes()


def test_a_model_file_with_a_missing_weight_is_refused(tmp_path: Path) -> None:
    import gzip
    import json

    data = TINY.to_json()
    data["weights"][0] = data["weights"][0][:-1]
    path = tmp_path / "bad.json.gz"
    path.write_bytes(gzip.compress(json.dumps(data).encode()))
    with pytest.raises(ValueError, match="lacks a weight"):
        WordingModel.load(path)
    data = TINY.to_json()
    data["format"] = 2
    path.write_bytes(json.dumps(data).encode())
    with pytest.raises(ValueError, match="unknown wording model format"):
        WordingModel.load(path)


def test_the_shipped_model_has_the_flag_and_factor_heads() -> None:
    model = WordingModel.load(MODEL_FILE)
    assert model.heads[:4] == ("crisis", "imminent", "harm_to_others", "child_in_danger")
    factors = {h.removeprefix("factor:") for h in model.heads if h.startswith("factor:")}
    assert {"debt", "unemployment", "isolation", "caregiving", "bullying"} <= factors


def _doubting(screener: Screener, model: WordingModel, doubt: float = 0.2) -> Screener:
    import dataclasses

    wording = dataclasses.replace(screener.config.wording, doubt=doubt)
    return Screener(
        dataclasses.replace(screener.config, wording=wording), screener._tokenizer, model
    )


# knows nothing of these words: every text reads as everyday talk (p = 0.007)
EVERYDAY = WordingModel({"ぬい": (1.0, 6.0)}, biases=(-5.0,), trained_on={})


def test_doubt_holds_a_place_with_no_word_of_death_at_moderate(screener: Screener) -> None:
    place = ["線路の近くにいる"]
    assert _doubting(screener, EVERYDAY, 0.0).screen_conversation(place).risk == RiskLevel.IMMINENT
    held = _doubting(screener, EVERYDAY).screen_conversation(place)
    assert held.risk == RiskLevel.MODERATE  # a counselor is offered, no crisis answer
    assert any("日常の話に近いため「中」" in r for r in held.reasons), held.reasons
    assert not any(r.startswith("差し迫った危険") for r in held.reasons)
    # a word of death anywhere in the conversation: no doubt
    said = _doubting(screener, EVERYDAY).screen_conversation(["死にたい", *place])
    assert said.risk == RiskLevel.IMMINENT
    # a crisis word after it raises the conversation as without the doubt
    later = _doubting(screener, EVERYDAY).screen_conversation([*place, "もう死にたい"])
    assert later.risk == RiskLevel.IMMINENT
    # a level already high before stays
    high = _doubting(screener, EVERYDAY).screen_conversation(["消えたい", "線路の近くにいる"])
    assert high.risk >= RiskLevel.HIGH
    # a pathway of four linked problems is high whatever the wording (it is not a place)
    chain = ["仕事をクビになった", "家賃が払えない", "借金が増えた", "夜も眠れない"]
    assert _doubting(screener, EVERYDAY).screen_conversation(chain).risk == RiskLevel.HIGH


def test_doubt_never_lowers_a_level_already_reached(screener: Screener) -> None:
    # 線路 alone reads as a crisis (so no doubt); with 撮り the window reads as everyday talk,
    # but what was raised stays raised (small talk after a crisis never lowers it)
    model = WordingModel({"線路": (1.0, 8.0), "撮り": (1.0, -30.0)}, biases=(0.0,), trained_on={})
    first = _doubting(screener, model).screen_conversation(["線路の近くにいる"])
    assert first.risk == RiskLevel.IMMINENT
    later = _doubting(screener, model).screen_conversation(["線路の近くにいる", "写真撮りに"])
    assert later.risk == RiskLevel.IMMINENT


def test_doubt_out_of_range_is_explained(tmp_path: Path) -> None:
    config = _copy_config(tmp_path)
    path = config / "screening.yaml"
    text = path.read_text(encoding="utf-8")
    path.write_text(text.replace("  doubt: 0.15", "  doubt: 0.9", 1), encoding="utf-8")
    with pytest.raises(ConfigError) as caught:
        Screener.load(config)
    lines = [str(p) for p in caught.value.problems]
    assert any(
        "screening.yaml" in line and "doubt: は 0.0 から 0.5 までの数" in line for line in lines
    )
