"""The dialog engine and the admin-edited scripts (`dialogs/*.yaml`).

`load_dialog` builds the frozen engine the pipeline asks for each turn; `check_dialogs` checks
the scripts *and* every config file they depend on, so one command (`python -m bot dialogs
check`) tells an admin whether what they edited can go live.
"""

from __future__ import annotations

from pathlib import Path

from bot.checker_messages import catalog_problems
from bot.config import ServiceConfig, check_service_config, load_service_config
from bot.dialog.checks import check_script
from bot.dialog.engine import DialogEngine, DialogState
from bot.dialog.referrals import (
    ReferralDirectory,
    known_factors,
    load_referrals,
    parse_referrals,
)
from bot.dialog.script import Script, read_script
from bot.yamlio import ConfigError, Problem

__all__ = [
    "DialogEngine",
    "DialogState",
    "ReferralDirectory",
    "Script",
    "check_dialogs",
    "load_dialog",
    "load_referrals",
]


def load_dialog(
    dialogs_dir: Path,
    config_dir: Path,
    service: ServiceConfig,
    referrals: ReferralDirectory | None = None,
) -> DialogEngine:
    """Read, check and freeze the scripts; raise ConfigError listing every problem."""
    problems: list[Problem] = []
    if referrals is None:
        found, problems = parse_referrals(config_dir / "referrals.yaml")
        referrals = found
    script, script_problems = read_script(dialogs_dir)
    problems += script_problems
    problems += check_script(
        script, str(dialogs_dir), service, referrals, known_factors(config_dir)
    )
    if problems or referrals is None:
        raise ConfigError(problems)
    return DialogEngine(script, service, referrals)


def screener_problems(config_dir: Path) -> list[Problem]:
    """The crisis screener's own check of its config files (concepts, grammar, slots, dialects, pathways, factors)."""
    try:
        from bot.screening import check_config  # type: ignore[attr-defined,unused-ignore]
    except ImportError:  # the screener package is not installed in this build
        return []
    result: list[Problem] = check_config(config_dir)
    return result


def check_dialogs(dialogs_dir: Path, config_dir: Path) -> list[Problem]:
    """Every problem in the scripts and in the config they use (hotlines, service hours,
    messages, referral directory, screener concepts, escalation timers and texts), after any
    problem of the checker's own message catalog (config/checker_messages.yaml)."""
    problems = catalog_problems()  # first: it also takes up an edited catalog
    service_problems = check_service_config(config_dir)
    service = None if service_problems else load_service_config(config_dir)
    problems += service_problems
    referrals, referral_problems = parse_referrals(config_dir / "referrals.yaml")
    problems += referral_problems
    problems += screener_problems(config_dir)
    # The counselor side's settings (timers, note prefix, card texts) are admin files too.
    from escalation.config import check_escalation_config

    problems += check_escalation_config(config_dir)
    script, script_problems = read_script(dialogs_dir)
    problems += script_problems
    problems += check_script(
        script,
        str(dialogs_dir),
        service,
        None if referral_problems else referrals,
        known_factors(config_dir),
    )
    return problems
