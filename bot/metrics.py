"""Prometheus metrics, one registry per app (tests build many apps in one process)."""

from __future__ import annotations

from dataclasses import dataclass, field

from prometheus_client import CollectorRegistry, Counter, Gauge, Histogram


def _registry() -> CollectorRegistry:
    return CollectorRegistry(auto_describe=True)


@dataclass
class Metrics:
    registry: CollectorRegistry = field(default_factory=_registry)

    def __post_init__(self) -> None:
        r = self.registry
        self.webhook_latency = Histogram(
            "tsunagari_webhook_seconds",
            "Time to answer a webhook request (LINE), by outcome",
            ["channel", "outcome"],
            buckets=(0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2),
            registry=r,
        )
        self.events_accepted = Counter(
            "tsunagari_events_accepted_total",
            "Events accepted onto the stream",
            ["channel"],
            registry=r,
        )
        self.events_duplicate = Counter(
            "tsunagari_events_duplicate_total",
            "Redelivered events dropped",
            ["channel"],
            registry=r,
        )
        self.events_refused = Counter(
            "tsunagari_events_refused_total",
            "Signed events refused at the webhook (stale, future or missing timestamp)",
            ["channel", "reason"],
            registry=r,
        )
        self.events_processed = Counter(
            "tsunagari_events_processed_total", "Events fully handled", ["kind"], registry=r
        )
        self.events_failed = Counter(
            "tsunagari_events_failed_total", "Handling attempts that failed (retried)", registry=r
        )
        self.events_dead = Counter(
            "tsunagari_events_dead_total",
            "Events given up (parked on the dead-letter stream)",
            registry=r,
        )
        self.events_deferred = Counter(
            "tsunagari_events_deferred_total",
            "Times an event rested because LINE could not take its answer yet",
            registry=r,
        )
        self.crisis_dead = Counter(
            "tsunagari_crisis_dead_letters_total",
            "Crisis events parked on the dead-letter stream (the supervisors are alerted)",
            registry=r,
        )
        self.turn_latency = Histogram(
            "tsunagari_turn_seconds",
            "From event accepted to its answer delivered",
            buckets=(0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2, 5, 10, 30),
            registry=r,
        )
        self.screening_risk = Counter(
            "tsunagari_screening_total", "Messages screened, by risk level", ["risk"], registry=r
        )
        self.deliveries = Counter(
            "tsunagari_deliveries_total",
            "Messages batches delivered",
            ["channel", "method"],
            registry=r,
        )
        self.delivery_retries = Counter(
            "tsunagari_delivery_retries_total", "Delivery attempts retried", ["channel"], registry=r
        )
        self.delivery_failures = Counter(
            "tsunagari_delivery_failures_total",
            "Deliveries that failed after retries",
            ["channel"],
            registry=r,
        )
        self.stream_pending = Gauge(
            "tsunagari_stream_pending", "Events accepted but not yet handled", registry=r
        )
        self.cases_queued = Gauge(
            "tsunagari_cases_queued",
            "Cases waiting for a counselor, by priority",
            ["priority"],
            registry=r,
        )
        self.cases_open = Gauge("tsunagari_cases_open", "Cases queued or claimed", registry=r)
        self.oldest_waiting = Gauge(
            "tsunagari_case_oldest_wait_seconds",
            "How long the longest-waiting case has waited",
            registry=r,
        )
        self.outbox_lanes = Gauge(
            "tsunagari_outbox_lanes_pending",
            "Cases with Slack/console messages not yet sent",
            registry=r,
        )
        self.safety_net = Counter(
            "tsunagari_safety_net_total",
            "Crisis answers sent by the safety net",
            ["where"],
            registry=r,
        )
