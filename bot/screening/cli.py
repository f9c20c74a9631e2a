"""``python -m bot screen``: JSON Lines in, one JSON line out per input (ARCHITECTURE.md).

Every input line gets an output line with the same id; a line that cannot be screened gets
``{"id": ..., "error": ...}`` and the run carries on. With ``--eval FILE`` the labelled files
are scored instead and the metric table is printed.
"""

from __future__ import annotations

import argparse
import json
import sys
from collections.abc import Sequence
from dataclasses import replace
from pathlib import Path
from typing import Any, TextIO

from bot.screening.config import ScreeningConfig, load_config
from bot.screening.evaluation import (
    LabelledCase,
    Scores,
    combine,
    evaluate,
    format_categories,
    format_confusion,
    format_table,
    read_cases,
)
from bot.screening.normalize import Normalizer
from bot.screening.screener import Screener
from bot.screening.tokens import SudachiTokenizer
from bot.screening.types import RiskLevel
from bot.screening.wording import (
    FACTOR_PREFIX,
    FLAG_HEADS,
    HEADS,
    MIN_POSITIVES,
    MODEL_FILE,
    WordingModel,
    file_hashes,
    train,
)
from bot.yamlio import ConfigError

MAX_LINE_CHARS = 2_000_000
# the labelled sets of the repository (tests/data beside bot/), wherever it is run from
LABELLED_SETS = Path(__file__).resolve().parents[2] / "tests" / "data"


def _config_dir(args: argparse.Namespace) -> Path:
    if getattr(args, "config", None):
        return Path(args.config)
    try:
        from bot.settings import Settings

        return Path(Settings().bot_config_dir)
    except Exception:  # a broken .env must not stop offline screening
        return Path("config")


def _emit(out: TextIO, data: dict[str, Any]) -> None:
    out.write(json.dumps(data, ensure_ascii=False) + "\n")
    out.flush()


def screen_line(screener: Screener, line: str) -> dict[str, Any]:
    """Screen one input line; an error object (never an exception) when the line is bad."""
    if len(line) > MAX_LINE_CHARS:
        return {"id": None, "error": f"the line is longer than {MAX_LINE_CHARS} characters"}
    try:
        data = json.loads(line)
    except json.JSONDecodeError as exc:
        return {
            "id": None,
            "error": f"the line is not valid JSON ({exc.msg} at column {exc.colno})",
        }
    if not isinstance(data, dict):
        return {
            "id": None,
            "error": 'the line must be a JSON object like {"id": ..., "messages": [...]}',
        }
    raw_id = data.get("id")
    id_: str | None = None
    if isinstance(raw_id, (str, int)) and not isinstance(raw_id, bool):
        id_ = str(raw_id)
    if id_ is None or not id_.strip():
        return {"id": None, "error": "'id' is missing or blank"}
    messages = data.get("messages")
    if not isinstance(messages, list) or not all(isinstance(m, str) for m in messages):
        return {"id": id_, "error": "'messages' must be a list of strings"}
    prior = data.get("prior_factors", [])
    if not isinstance(prior, list) or not all(isinstance(f, str) for f in prior):
        return {"id": id_, "error": "'prior_factors' must be a list of factor ids"}
    try:
        result = screener.screen_conversation(messages, prior)
    except Exception as exc:  # one bad conversation must not stop the batch
        return {"id": id_, "error": f"screening failed ({type(exc).__name__})"}
    return result.to_json(id_)


def labelled_sets(directory: Path | None = None) -> list[Path]:
    """The labelled sets the wording model learns from (screening_*.jsonl)."""
    return sorted((directory or LABELLED_SETS).glob("screening_*.jsonl"))


def train_wording(
    config_dir: Path, paths: Sequence[Path], tokenizer: SudachiTokenizer | None = None
) -> WordingModel:
    """A wording model trained on these labelled sets, normalized as config_dir says."""
    config, problems = load_config(config_dir, tokenizer)
    if config is None:
        raise ConfigError(problems)
    return _train_with(config, paths)


def _train_with(config: ScreeningConfig, paths: Sequence[Path]) -> WordingModel:
    normalizer = Normalizer(config.spellings, config.dialects, config.emoji)
    cases = [case for path in paths for case in read_cases(path)]
    heads = [*HEADS, *model_heads(cases)]

    def labels(case: LabelledCase) -> tuple[bool, ...]:
        return tuple(
            case.risk.is_crisis
            if head == "crisis"
            else case.risk == RiskLevel.IMMINENT
            if head == "imminent"
            else head.removeprefix(FACTOR_PREFIX) in case.factors
            if head.startswith(FACTOR_PREFIX)
            else head in case.flags
            for head in heads
        )

    return train(
        [(case.messages, labels(case)) for case in cases],
        lambda message: normalizer.normalize(message).text,
        file_hashes(paths),
        heads,
    )


def model_heads(cases: Sequence[LabelledCase]) -> list[str]:
    """The flag and factor heads worth a model: those with at least MIN_POSITIVES labelled
    conversations (flags first, then factors, each in a fixed order)."""
    flags = [f for f in FLAG_HEADS if sum(f in c.flags for c in cases) >= MIN_POSITIVES]
    factors = sorted({f for c in cases for f in c.factors})
    return flags + [
        FACTOR_PREFIX + f for f in factors if sum(f in c.factors for c in cases) >= MIN_POSITIVES
    ]


def _run_train(config_dir: Path, sets: Path | None) -> int:
    paths = labelled_sets(sets)
    if not paths:
        print(f"no labelled sets (screening_*.jsonl) in {sets or LABELLED_SETS}", file=sys.stderr)
        return 2
    try:
        model = train_wording(config_dir, paths)
    except ConfigError as exc:
        for problem in exc.problems:
            print(problem, file=sys.stderr)
        return 2
    except ImportError:
        print(
            "training needs scikit-learn: run make install (the dev dependencies)", file=sys.stderr
        )
        return 2
    except (OSError, ValueError) as exc:
        print(f"cannot train: {exc}", file=sys.stderr)
        return 2
    model.save(MODEL_FILE)
    print(
        f"wrote {MODEL_FILE} ({len(model.vocabulary)} n-grams, {len(model.heads)} heads, "
        f"{len(paths)} labelled sets)"
    )
    return 0


def _run_cross_validate(config_dir: Path, sets: Path | None) -> int:
    """Each labelled set scored by the rules alone and with a model trained without it."""
    paths = labelled_sets(sets)
    if len(paths) < 2:
        print("cross-validation needs at least two labelled sets", file=sys.stderr)
        return 2
    tokenizer = SudachiTokenizer()
    config, problems = load_config(config_dir, tokenizer)
    if config is None:
        for problem in problems:
            print(problem, file=sys.stderr)
        return 2
    print(
        f"{'held-out set':<28}{'':>8}{'crisis':>8}{'immin.':>8}{'f.alarm':>8}{'calm':>7}"
        f"{'factor':>7}{'flags':>7}{'f.flag':>7}{'level':>7}"
    )
    # (scored with the model whatever screening.yaml says about switching it on)
    config = replace(config, wording=replace(config.wording, enabled=True))
    pooled: dict[str, list[Scores]] = {}
    for held in paths:
        try:
            cases = read_cases(held)
            others = [p for p in paths if p != held]
            model = _train_with(config, others)  # (the config read once, above)
        except ImportError:
            print("training needs scikit-learn: run make install", file=sys.stderr)
            return 2
        except (OSError, ValueError) as exc:
            print(f"cannot train without {held.name}: {exc}", file=sys.stderr)
            return 2
        for name, screener in (
            ("rules", Screener(config, tokenizer, None)),
            ("+wording", Screener(config, tokenizer, model)),
        ):
            scores = evaluate(screener, cases, held.name)
            pooled.setdefault(name, []).append(scores)
            print(_cv_row(held.name if name == "rules" else "", name, scores), flush=True)
    for name, parts in pooled.items():  # every set's conversations together
        print(_cv_row("all sets" if name == "rules" else "", name, combine(parts)))
    return 0


def _cv_row(title: str, name: str, scores: Scores) -> str:
    m = scores.metrics()
    cells = "".join(
        f"{'-' if v is None else f'{v:.3f}':>{w}}"
        for v, w in (
            (m["crisis_recall"], 8),
            (m["imminent_recall"], 8),
            (m["false_alarm_rate"], 8),
            (m["idiom_calm_rate"], 7),
            (m["factor_f1"], 7),
            (m["flag_recall"], 7),
            (m["flag_false_alarm_rate"], 7),
            (scores.exact / scores.cases if scores.cases else None, 7),
        )
    )
    return f"{title:<28}{name:>8}{cells}"


def run_screen(args: argparse.Namespace) -> int:
    """Entry point of ``python -m bot screen``; returns the exit code."""
    if getattr(args, "train_wording", False):
        return _run_train(_config_dir(args), args.sets)
    if getattr(args, "cross_validate", False):
        return _run_cross_validate(_config_dir(args), args.sets)
    try:
        screener = Screener.load(_config_dir(args))
    except ConfigError as exc:
        for problem in exc.problems:
            print(problem, file=sys.stderr)
        return 2
    if args.eval:
        return _run_eval(screener, [Path(p) for p in args.eval], bool(args.explain))
    stdin = sys.stdin
    stdin.reconfigure(encoding="utf-8", errors="replace")  # type: ignore[union-attr]
    stdout = sys.stdout
    stdout.reconfigure(encoding="utf-8")  # type: ignore[union-attr]
    for line in stdin:
        if not line.strip():
            continue
        _emit(stdout, screen_line(screener, line))
    return 0


def _run_eval(screener: Screener, paths: list[Path], explain: bool) -> int:
    parts = []
    for path in paths:
        try:
            cases = read_cases(path)
        except (OSError, ValueError) as exc:
            print(f"cannot read {path}: {exc}", file=sys.stderr)
            return 2
        parts.append(evaluate(screener, cases, path.name))
    table = [*parts, combine(parts)] if len(parts) > 1 else parts
    print(format_table(table))
    for part in parts:
        categories = format_categories(part)
        if categories:
            print("\n" + categories)
        print("\n" + format_confusion(part))
    if explain:
        for part in parts:
            print(f"\n# misses in {part.name} ({len(part.misses)})")
            for miss in part.misses:
                print(miss)
    return 0
