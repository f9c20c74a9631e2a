"""Pure pieces: Slack text to plain text, which thread messages count, card escaping, reload."""

from __future__ import annotations

import os
import time
from pathlib import Path

import pytest

from bot.channels.base import Address
from bot.screening.types import RiskLevel
from escalation.cards import build_card, slack_blocks
from escalation.config import EscalationConfigSource, load_escalation_config
from escalation.model import Case, Trigger
from escalation.slack import is_counselor_thread_message, slack_to_plain
from tests.escalation.support import ROOT, write_config


@pytest.mark.parametrize(
    ("slack", "plain"),
    [
        ("a &lt;b&gt; &amp; c", "a <b> & c"),
        ("<https://example.org>を見て", "https://example.org を見て"),
        ("<https://example.org|サイト>です", "サイト https://example.org です"),
        ("<mailto:a@example.org|a@example.org>へ", "a@example.orgへ"),
        ("電話は <tel:0120279338|0120-279-338>", "電話は 0120-279-338"),
        # Nothing of the workspace reaches the person: mentions become plain words, channel
        # links and @here/@channel/group mentions go, and a link cannot pass for another.
        ("<@U123> さん", "相談員 さん"),
        ("<@U123|sato> から", "相談員 から"),
        ("<#C123|counselors> で", "で"),
        ("<!here> 確認", "確認"),
        ("<!channel>", ""),
        ("<!subteam^S123|@leads> へ", "へ"),
        ("<https://evil.example|https://good.example> を見て", "https://evil.example を見て"),
    ],
)
def test_slack_to_plain(slack: str, plain: str) -> None:
    assert slack_to_plain(slack, mention_as="相談員") == plain


def test_only_human_thread_replies_in_the_counselor_channel_count() -> None:
    base = {
        "type": "message",
        "channel": "C1",
        "user": "U1",
        "text": "hi",
        "ts": "2.0",
        "thread_ts": "1.0",
    }
    assert is_counselor_thread_message(base, "C1")
    assert is_counselor_thread_message({**base, "subtype": "thread_broadcast"}, "C1")
    assert not is_counselor_thread_message(base, "C2")
    assert not is_counselor_thread_message({**base, "bot_id": "B1"}, "C1")
    assert not is_counselor_thread_message({**base, "app_id": "A1"}, "C1")
    assert not is_counselor_thread_message({**base, "subtype": "message_changed"}, "C1")
    assert not is_counselor_thread_message({**base, "subtype": "file_share"}, "C1")
    assert not is_counselor_thread_message({**base, "files": [{"id": "F1"}]}, "C1")
    assert not is_counselor_thread_message({**base, "thread_ts": "2.0"}, "C1")  # thread root
    assert not is_counselor_thread_message(
        {k: v for k, v in base.items() if k != "thread_ts"}, "C1"
    )
    assert not is_counselor_thread_message({**base, "text": "  "}, "C1")


def test_person_words_cannot_become_mentions_or_links() -> None:
    cfg = load_escalation_config(ROOT / "config")
    case = Case(
        case_id="C-0007",
        conversation="lxyz",
        address=Address("line", "Usecret"),
        state="queued",
        risk=RiskLevel.HIGH,
        reason="risk",
        opened_ms=int(time.time() * 1000),
        triggers=(Trigger("<!channel> <https://evil.example|click> & 死にたい", "high", 0),),
    )
    blocks = slack_blocks(build_card(case, [], cfg, now_ms=case.opened_ms), cfg)
    text = str(blocks)
    assert "<!channel>" not in text
    assert "&lt;!channel&gt;" in text
    assert "<https://evil" not in text
    assert "https://evil.example" not in text  # not even a bare URL Slack would link
    assert "Usecret" not in text
    assert "lxyz" not in text


def test_config_reload_keeps_last_good_version(tmp_path: Path) -> None:
    d = write_config(tmp_path, reannounce_minutes=7)
    source = EscalationConfigSource(d, interval_s=0.001)
    assert source().timers.reannounce_minutes == 7
    path = d / "escalation.yaml"
    path.write_text(
        path.read_text(encoding="utf-8").replace("reannounce_minutes: 7", "reannounce_minutes: 3"),
        encoding="utf-8",
    )
    os.utime(path, (time.time() + 5, time.time() + 5))
    time.sleep(0.01)
    assert source().timers.reannounce_minutes == 3
    path.write_text("timers: [broken", encoding="utf-8")
    os.utime(path, (time.time() + 10, time.time() + 10))
    time.sleep(0.01)
    assert source().timers.reannounce_minutes == 3


def test_even_a_huge_case_renders_valid_block_kit() -> None:
    from slack_sdk.models.blocks import Block
    from slack_sdk.models.views import View

    from escalation.cards import close_modal
    from escalation.model import LogEntry, PreviousCase

    cfg = load_escalation_config(ROOT / "config")
    now = int(time.time() * 1000)
    case = Case(
        case_id="C-0001",
        conversation="x",
        address=Address("line", "U"),
        state="claimed",
        risk=RiskLevel.IMMINENT,
        reason="risk",
        opened_ms=now,
        claimed_by="slack:UALICE",
        claimed_ms=now,
        reasons=("理由" * 60,) * 50,
        factors=("debt", "isolation", "unknown_factor"),
        pathway={"label": "失業 → 生活苦 → 多重債務 → うつ → 自殺"},
        triggers=(Trigger("死にたい" * 2000, "imminent", now),) * 3,
        collected={f"質問{i}": "答え" * 300 for i in range(30)},
        note="メモ" * 2000,
        previous=(PreviousCase("C-0000", now, "high", "closed", "referred", "要約" * 2000),) * 3,
    )
    log = [LogEntry(str(i), "person", "長い文" * 1000, now) for i in range(40)]
    blocks = slack_blocks(build_card(case, log, cfg, now_ms=now), cfg)
    assert len(blocks) <= 50
    for block in Block.parse_all(blocks):
        block.validate_json()  # raises on Slack's length limits
    assert all(
        len(b["text"]["text"]) <= 3000 for b in blocks if b["type"] == "section" and "text" in b
    )
    View(**close_modal("C-0001", cfg)).validate_json()
