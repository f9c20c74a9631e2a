"""The referral directory (config/referrals.yaml): which services help with which factors.

The self-reliance support system works by connecting a person to the right service, with their
consent. The directory groups services into categories a person can choose from (a quick-reply
label each), maps screening factor ids to categories, and renders a category's services with
phone numbers and hours. Municipalities fill in their local offices under `municipality:`.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Iterable, Iterator, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import date
from pathlib import Path
from types import MappingProxyType
from typing import Any

from bot.checker_messages import explain
from bot.dialog.rules import Rule, problem
from bot.dialog.text import utf16_len
from bot.yamlio import ConfigError, Problem, line_of, load_file

FILE_NAME = "referrals.yaml"
# Factor ids of shared/data/FACTORS.md, as the screener reports them.
FACTOR_IDS = frozenset(
    {
        "unemployment",
        "overwork",
        "workplace_trouble",
        "poverty",
        "debt",
        "business_failure",
        "depression",
        "physical_illness",
        "family_conflict",
        "divorce",
        "domestic_violence",
        "abuse",
        "caregiving",
        "childrearing",
        "bullying",
        "academic",
        "isolation",
        "hikikomori",
        "housing",
        "crime_victim",
        "bereavement",
        "future_anxiety",
    }
)
LABEL_LIMIT = 20
FACTORS_FILE = "factors.yaml"  # the screener's factor list, when present


def known_factors(config_dir: Path) -> frozenset[str]:
    """Factor ids the screener reports: those of config/factors.yaml, else FACTORS.md's."""
    path = config_dir / FACTORS_FILE
    if path.is_file():
        data, problems = load_file(path)
        if not problems and isinstance(data, dict) and isinstance(data.get("factors"), dict):
            return frozenset(str(k) for k in data["factors"])
    return FACTOR_IDS  # LINE quick-reply label


_ID = re.compile(r"^[a-z][a-z0-9_]*$")
_PHONE = re.compile(r"^[#0-9][0-9\-]{1,15}$")
_PLACEHOLDER = re.compile(r"\{([a-z_]+)\}")
DISPLAY_FIELDS: Mapping[str, frozenset[str]] = {
    "header": frozenset({"category"}),
    "service": frozenset({"name", "what", "contact"}),
    "phone": frozenset({"phone", "hours"}),
    "phone_no_hours": frozenset({"phone"}),
    "local": frozenset({"how", "municipality"}),
}
SERVICE_FIELDS = frozenset({"name", "what", "phone", "hours", "how", "url", "last_verified"})
LOCAL_FIELDS = frozenset({"phone", "hours", "place"})
CATEGORY_FIELDS = frozenset({"label", "factors", "services"})


@dataclass(frozen=True, slots=True)
class Service:
    id: str
    name: str
    what: str
    phone: str = ""
    hours: str = ""
    how: str = ""  # how to find the local office when there is no national number
    url: str = ""
    last_verified: str = ""


@dataclass(frozen=True, slots=True)
class Category:
    id: str
    label: str
    factors: tuple[str, ...]
    services: tuple[str, ...]


@dataclass(frozen=True, slots=True)
class LocalOffice:
    phone: str = ""
    hours: str = ""
    place: str = ""


@dataclass(frozen=True, slots=True)
class ReferralDirectory:
    categories: Mapping[str, Category]
    services: Mapping[str, Service]
    display: Mapping[str, str]
    municipality: str = ""
    local: Mapping[str, LocalOffice] = field(default_factory=dict)

    def categories_for(self, factors: Iterable[str]) -> list[Category]:
        """Categories that help with these factors, in the order the factors were found."""
        out: list[Category] = []
        for factor in factors:
            for category in self.categories.values():
                if factor in category.factors and category not in out:
                    out.append(category)
        return out

    def by_label(self, label: str) -> Category | None:
        for category in self.categories.values():
            if category.label == label:
                return category
        return None

    def render(self, category: Category) -> str:
        """The category's services as one message: name, what they do, how to reach them."""
        parts = [_fill(self.display["header"], category=category.label)]
        for sid in category.services:
            service = self.services[sid]
            parts.append(
                _fill(
                    self.display["service"],
                    name=service.name,
                    what=service.what,
                    contact=self._contact(service),
                )
            )
        return "\n\n".join(p for p in parts if p)

    def _contact(self, service: Service) -> str:
        office = self.local.get(service.id)
        phone = (office.phone if office else "") or service.phone
        hours = (office.hours if office and office.phone else "") or service.hours
        lines: list[str] = []
        if office and office.place:
            lines.append(office.place)
        if phone:
            template = self.display["phone"] if hours else self.display["phone_no_hours"]
            lines.append(_fill(template, phone=phone, hours=hours))
        elif service.how:
            lines.append(
                _fill(self.display["local"], how=service.how, municipality=self.municipality)
            )
        return "\n".join(lines)


def _fill(template: str, **values: str) -> str:
    return _PLACEHOLDER.sub(lambda m: values.get(m.group(1), m.group(0)), template)


def _str(value: Any) -> str:
    return "" if value is None else str(value).strip()


def _strings(value: Any) -> tuple[str, ...] | None:
    if isinstance(value, str):
        return (value,)
    if isinstance(value, list) and all(isinstance(v, str) for v in value):
        return tuple(str(v) for v in value)
    return None


def _entries(
    data: Any, section: str, needs: Callable[[str], str], file: str, problems: list[Problem]
) -> Iterator[tuple[str, dict[Any, Any], int | None]]:
    """The `section:` mapping's entries as (id, fields, line), after reporting a section that
    is not a mapping, an id that is not a-z/0-9/_ and an entry that is not a mapping (`needs`
    says, for an entry's name, what such an entry needs)."""
    if not isinstance(data, dict):
        problems.append(
            problem(
                Rule.REFERRAL,
                file,
                line_of(data),
                explain("referrals.section_by_id", section=section),
            )
        )
        return
    for key, entry in data.items():
        line = line_of(data, key)
        eid = str(key)
        where = _where(section, eid)
        if not _ID.match(eid):
            problems.append(
                problem(Rule.BAD_ID, file, line, explain("referrals.bad_id", where=where))
            )
        if not isinstance(entry, dict):
            problems.append(problem(Rule.REFERRAL, file, line, needs(where)))
            continue
        yield eid, entry, line


def _where(section: str, eid: object) -> str:
    """How a problem names an entry of a section (`services:` の「houterasu」)."""
    return explain("referrals.where", section=section, id=eid)


def _unknown_fields(
    entry: dict[Any, Any],
    known: frozenset[str],
    where: str,
    line: int | None,
    file: str,
    problems: list[Problem],
) -> None:
    for extra in sorted(set(map(str, entry)) - known):
        problems.append(
            problem(
                Rule.UNKNOWN_FIELD,
                file,
                line_of(entry, extra) or line,
                f"{where}: " + explain("common.unknown_field", field=extra, allowed=sorted(known)),
            )
        )


def _parse_services(data: Any, file: str, problems: list[Problem]) -> dict[str, Service]:
    services: dict[str, Service] = {}
    for sid, entry, line in _entries(
        data,
        "services",
        lambda where: explain("referrals.service_shape", where=where),
        file,
        problems,
    ):
        where = _where("services", sid)
        _unknown_fields(entry, SERVICE_FIELDS, where, line, file, problems)
        for required in ("name", "what"):
            if not _str(entry.get(required)):
                problems.append(
                    problem(
                        Rule.REFERRAL,
                        file,
                        line,
                        explain("referrals.service_field_missing", where=where, field=required),
                    )
                )
        phone = _str(entry.get("phone"))
        if phone and not _PHONE.match(phone):
            problems.append(
                problem(
                    Rule.REFERRAL,
                    file,
                    line_of(entry, "phone") or line,
                    explain("referrals.bad_phone", where=where, phone=phone),
                )
            )
        if not phone and not _str(entry.get("how")):
            problems.append(
                problem(
                    Rule.REFERRAL,
                    file,
                    line,
                    explain("referrals.service_without_contact", where=where),
                )
            )
        verified = _str(entry.get("last_verified"))
        try:
            date.fromisoformat(verified)
        except ValueError:
            problems.append(
                problem(
                    Rule.REFERRAL,
                    file,
                    line_of(entry, "last_verified") or line,
                    explain("referrals.bad_last_verified", where=where),
                )
            )
        services[sid] = Service(
            id=sid,
            name=_str(entry.get("name")),
            what=_str(entry.get("what")),
            phone=phone,
            hours=_str(entry.get("hours")),
            how=_str(entry.get("how")),
            url=_str(entry.get("url")),
            last_verified=verified,
        )
    return services


def _parse_categories(
    data: Any,
    services: Mapping[str, Service],
    file: str,
    problems: list[Problem],
    factor_ids: frozenset[str],
) -> dict[str, Category]:
    categories: dict[str, Category] = {}
    labels: dict[str, str] = {}
    for cid, entry, line in _entries(
        data,
        "categories",
        lambda where: explain("referrals.category_shape", where=where),
        file,
        problems,
    ):
        where = _where("categories", cid)
        _unknown_fields(entry, CATEGORY_FIELDS, where, line, file, problems)
        label = _str(entry.get("label"))
        if not label:
            problems.append(
                problem(
                    Rule.REFERRAL,
                    file,
                    line,
                    explain("referrals.category_without_label", where=where),
                )
            )
        elif len(label) > LABEL_LIMIT:
            problems.append(
                problem(
                    Rule.LINE_LABEL_TOO_LONG,
                    file,
                    line_of(entry, "label") or line,
                    explain(
                        "referrals.label_too_long",
                        where=where,
                        label=label,
                        length=len(label),
                        limit=LABEL_LIMIT,
                    ),
                )
            )
        if label in labels:
            problems.append(
                problem(
                    Rule.DUPLICATE_ID,
                    file,
                    line_of(entry, "label") or line,
                    explain("referrals.duplicate_label", where=where, other=labels[label]),
                )
            )
        labels[label] = cid
        factors = _strings(entry.get("factors") or [])
        if factors is None:
            problems.append(
                problem(
                    Rule.BAD_VALUE, file, line, explain("referrals.factors_not_list", where=where)
                )
            )
            factors = ()
        for factor in factors:
            if factor not in factor_ids:
                problems.append(
                    problem(
                        Rule.UNKNOWN_FACTOR,
                        file,
                        line_of(entry, "factors") or line,
                        explain("referrals.unknown_factor", where=where, factor=factor),
                    )
                )
        sids = _strings(entry.get("services"))
        if not sids:
            problems.append(
                problem(
                    Rule.REFERRAL,
                    file,
                    line,
                    explain("referrals.category_without_services", where=where),
                )
            )
            sids = ()
        for sid in sids:
            if sid not in services:
                problems.append(
                    problem(
                        Rule.REFERRAL,
                        file,
                        line_of(entry, "services") or line,
                        explain("referrals.unknown_service", where=where, service=sid),
                    )
                )
        categories[cid] = Category(cid, label, factors, tuple(s for s in sids if s in services))
    return categories


def _parse_display(data: Any, file: str, problems: list[Problem]) -> dict[str, str]:
    display: dict[str, str] = {}
    if not isinstance(data, dict):
        problems.append(
            problem(
                Rule.REFERRAL,
                file,
                line_of(data),
                explain("referrals.display_shape", names=list(DISPLAY_FIELDS)),
            )
        )
        return display
    for name, allowed in DISPLAY_FIELDS.items():
        text = data.get(name)
        if not isinstance(text, str) or not text.strip():
            problems.append(
                problem(
                    Rule.MISSING_TEXT,
                    file,
                    line_of(data),
                    explain("referrals.display_missing", name=name),
                )
            )
            continue
        for ph in _PLACEHOLDER.findall(text):
            if ph not in allowed:
                problems.append(
                    problem(
                        Rule.UNKNOWN_PLACEHOLDER,
                        file,
                        line_of(data, name),
                        explain(
                            "referrals.display_placeholder",
                            name=name,
                            placeholder=f"{{{ph}}}",
                            allowed=["{" + a + "}" for a in sorted(allowed)],
                        ),
                    )
                )
        display[name] = str(text)
    for extra in sorted(set(map(str, data)) - set(DISPLAY_FIELDS)):
        problems.append(
            problem(
                Rule.UNKNOWN_FIELD,
                file,
                line_of(data, extra),
                explain("referrals.display_unknown", name=extra, known=list(DISPLAY_FIELDS)),
            )
        )
    return display


def _parse_municipality(
    data: Any, services: Mapping[str, Service], file: str, problems: list[Problem]
) -> tuple[str, dict[str, LocalOffice]]:
    if data is None:
        return "", {}
    if not isinstance(data, dict):
        problems.append(
            problem(Rule.REFERRAL, file, line_of(data), explain("referrals.municipality_shape"))
        )
        return "", {}
    local: dict[str, LocalOffice] = {}
    offices = data.get("services") or {}
    if not isinstance(offices, dict):
        problems.append(
            problem(
                Rule.REFERRAL,
                file,
                line_of(data, "services"),
                explain("referrals.municipality_services_shape"),
            )
        )
        offices = {}
    for sid, entry in offices.items():
        line = line_of(offices, sid)
        if str(sid) not in services:
            problems.append(
                problem(
                    Rule.REFERRAL,
                    file,
                    line,
                    explain("referrals.municipality_unknown_service", service=sid),
                )
            )
            continue
        if entry is None:
            continue
        if not isinstance(entry, dict):
            problems.append(
                problem(
                    Rule.REFERRAL,
                    file,
                    line,
                    explain("referrals.municipality_entry_shape", service=sid),
                )
            )
            continue
        where = _where("municipality", sid)
        _unknown_fields(entry, LOCAL_FIELDS, where, line, file, problems)
        phone = _str(entry.get("phone"))
        if phone and not _PHONE.match(phone):
            problems.append(
                problem(
                    Rule.REFERRAL,
                    file,
                    line_of(entry, "phone") or line,
                    explain("referrals.bad_phone", where=where, phone=phone),
                )
            )
        local[str(sid)] = LocalOffice(phone, _str(entry.get("hours")), _str(entry.get("place")))
    return _str(data.get("name")), local


def load_referrals(config_dir: Path) -> ReferralDirectory:
    """Load and validate config/referrals.yaml; raise ConfigError listing every problem."""
    directory, problems = parse_referrals(config_dir / FILE_NAME)
    if problems or directory is None:
        raise ConfigError(problems)
    return directory


def check_referrals(config_dir: Path) -> list[Problem]:
    return parse_referrals(config_dir / FILE_NAME)[1]


def parse_referrals(path: Path) -> tuple[ReferralDirectory | None, list[Problem]]:
    file = str(path)
    if not path.is_file():
        return None, [problem(Rule.REFERRAL, file, None, explain("common.file_missing"))]
    data, problems = load_file(path)
    if problems:
        return None, problems
    if not isinstance(data, dict):
        return None, [problem(Rule.FILE_SHAPE, file, 1, explain("referrals.file_shape"))]
    for extra in sorted(
        set(map(str, data)) - {"display", "categories", "services", "municipality"}
    ):
        problems.append(
            problem(
                Rule.UNKNOWN_SECTION,
                file,
                line_of(data, extra),
                explain(
                    "common.unknown_section",
                    name=extra,
                    known=["categories", "display", "municipality", "services"],
                ),
            )
        )
    services = _parse_services(data.get("services"), file, problems)
    factor_ids = known_factors(path.parent)
    categories = _parse_categories(data.get("categories"), services, file, problems, factor_ids)
    display = _parse_display(data.get("display"), file, problems)
    municipality, local = _parse_municipality(data.get("municipality"), services, file, problems)
    directory = ReferralDirectory(
        categories=MappingProxyType(categories),
        services=MappingProxyType(services),
        display=MappingProxyType(display),
        municipality=municipality,
        local=MappingProxyType(local),
    )
    if not problems:
        for category in categories.values():
            size = utf16_len(directory.render(category))
            if size > 5000:
                problems.append(
                    problem(
                        Rule.LINE_TEXT_TOO_LONG,
                        file,
                        line_of(data["categories"], category.id),
                        explain(
                            "referrals.category_too_long",
                            where=_where("categories", category.id),
                            length=size,
                            limit=5000,
                        ),
                    )
                )
    return directory, problems


def labels_of(categories: Sequence[Category]) -> list[str]:
    return [c.label for c in categories]
