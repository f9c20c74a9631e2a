"""The deploy files work from a fresh clone, checked offline (no Docker engine, no cluster).

- deploy/redis.conf, run as deploy/compose.yaml runs it (same arguments, a real redis-server):
  persistence on, a password required, listening for the bot's network; the service connects
  with the URL the compose file gives it.
- deploy/compose.yaml: needs no .env, every file it names exists, the bot and Redis agree on the
  password; `docker compose config` validates it where the compose plugin is installed.
- deploy/k8s: the kustomization lists every admin file and `kubectl kustomize` (or `kustomize`)
  builds ConfigMaps holding them, mounted where the image reads them; the probes do not depend
  on Redis, and the service answers them, and sends the hotline, while Redis is down.
"""

from __future__ import annotations

import re
import shutil
import subprocess
from pathlib import Path
from typing import Any

import pytest
import redis as redis_sync
from ruamel.yaml import YAML

from tests.doubles import make_bundle
from tests.fakes.line_api import LineStandIn
from tests.harness import ROOT, RedisServer, body_of, make_settings, running_app, text_event

DEPLOY = ROOT / "deploy"
K8S = DEPLOY / "k8s"
_DEFAULT = re.compile(r"\$\{(\w+):-([^}]*)\}")


def load_all(text: str) -> list[Any]:
    return [doc for doc in YAML(typ="safe").load_all(text) if doc is not None]


def load(path: Path) -> Any:
    return YAML(typ="safe").load(path.read_text(encoding="utf-8"))


def substitute(value: str, env: dict[str, str]) -> str:
    """Compose's `${NAME:-default}` substitution."""
    return _DEFAULT.sub(lambda m: env.get(m.group(1)) or m.group(2), value)


# --- compose and redis.conf ---------------------------------------------------------------------


@pytest.fixture(scope="module")
def compose() -> dict[str, Any]:
    data: dict[str, Any] = load(DEPLOY / "compose.yaml")
    return data


def test_compose_needs_no_env_file_and_names_only_files_that_exist(
    compose: dict[str, Any],
) -> None:
    bot, redis = compose["services"]["bot"], compose["services"]["redis"]
    assert all(entry.get("required") is False for entry in bot.get("env_file", []))
    build = DEPLOY / bot["build"]["context"]
    assert (build / bot["build"]["dockerfile"]).is_file()
    assert (build / "pyproject.toml").is_file()  # the context is the repository root
    mounted = [v.split(":")[0] for v in redis["volumes"] if v.startswith("./")]
    assert mounted == ["./redis.conf"] and (DEPLOY / "redis.conf").is_file()
    assert any(v.endswith(":/data") for v in redis["volumes"])  # the append-only file persists
    assert "redis-data" in compose["volumes"]
    # every ${VAR} has a default, so `up` works with an empty environment
    text = (DEPLOY / "compose.yaml").read_text(encoding="utf-8")
    assert re.findall(r"\$\{(\w+)\}", text) == []
    # the host sees the bot on loopback only; Redis not at all
    assert all(str(p).startswith("127.0.0.1:") for p in bot["ports"])
    assert "ports" not in redis


def test_compose_bot_and_redis_agree_on_the_password(compose: dict[str, Any]) -> None:
    redis, bot = compose["services"]["redis"], compose["services"]["bot"]
    for env in ({}, {"REDIS_PASSWORD": "from-the-environment"}):
        command = [substitute(part, env) for part in redis["command"]]
        password = command[command.index("--requirepass") + 1]
        assert password == env.get("REDIS_PASSWORD", password) and password
        url = substitute(bot["environment"]["REDIS_URL"], env)
        assert url == f"redis://:{password}@redis:6379/0"
        assert substitute(redis["environment"]["REDISCLI_AUTH"], env) == password
    assert bot["depends_on"]["redis"]["condition"] == "service_healthy"


def test_compose_validates_with_docker_compose_where_installed() -> None:
    docker = shutil.which("docker")
    probe = (
        subprocess.run([docker, "compose", "version"], capture_output=True, check=False)
        if docker
        else None
    )
    if probe is None or probe.returncode != 0:
        pytest.skip("the docker compose plugin is not installed here (structure checked above)")
    assert docker is not None
    result = subprocess.run(
        [docker, "compose", "-f", str(DEPLOY / "compose.yaml"), "config", "--quiet"],
        capture_output=True,
        text=True,
        check=False,
    )
    assert result.returncode == 0, result.stderr


async def test_redis_conf_as_compose_runs_it_serves_the_bot(
    compose: dict[str, Any], tmp_path: Path, key_prefix: str
) -> None:
    env = {"REDIS_PASSWORD": "pw-for-the-test"}
    command = [substitute(part, env) for part in compose["services"]["redis"]["command"]]
    assert command[:2] == ["redis-server", "/usr/local/etc/redis/redis.conf"]
    conf = tmp_path / "redis.conf"  # as mounted, with the data directory of the test's own
    conf.write_text(
        (DEPLOY / "redis.conf").read_text().replace("dir /data", f"dir {tmp_path}"),
        encoding="utf-8",
    )
    with RedisServer(tmp_path / "data", *command[2:], config=conf, bind=None) as server:
        anonymous = redis_sync.Redis(port=server.port)
        with pytest.raises(redis_sync.AuthenticationError):  # no password, no service
            anonymous.ping()
        anonymous.close()
        admin = redis_sync.Redis(port=server.port, password=env["REDIS_PASSWORD"])
        try:
            for name, expected in (
                ("appendonly", "yes"),
                ("maxmemory-policy", "noeviction"),
                ("bind", "* -::*"),  # the bot's network, not loopback only
                ("protected-mode", "yes"),  # harmless with a password; a net without one
            ):
                assert admin.config_get(name) == {name: expected}, name
        finally:
            admin.close()
        url = substitute(compose["services"]["bot"]["environment"]["REDIS_URL"], env).replace(
            "@redis:6379", f"@127.0.0.1:{server.port}"
        )
        async with LineStandIn() as line:
            bundle = make_bundle()
            settings = make_settings(url, key_prefix, line.url)
            async with running_app(settings, bundle=lambda: bundle, with_desk=False) as app:
                assert (await app.http.get("/readyz")).status_code == 200
                await app.send(text_event("Ucompose", "こんにちは"))
                await line.wait_sent(1)


# --- Kubernetes -----------------------------------------------------------------------------------


@pytest.fixture(scope="module")
def kustomization() -> dict[str, Any]:
    data: dict[str, Any] = load(K8S / "kustomization.yaml")
    return data


def generated(kustomization: dict[str, Any]) -> dict[str, list[str]]:
    return {g["name"]: list(g["files"]) for g in kustomization["configMapGenerator"]}


def test_kustomization_lists_every_admin_file(kustomization: dict[str, Any]) -> None:
    for resource in kustomization["resources"]:
        assert (K8S / resource).is_file(), resource
    maps = generated(kustomization)
    for name, directory in (("tsunagari-config", "config"), ("tsunagari-dialogs", "dialogs")):
        listed = maps[name]
        assert all((K8S / f).resolve().parent == ROOT / directory for f in listed), listed
        assert all((K8S / f).is_file() for f in listed), listed
        on_disk = sorted(p.name for p in (ROOT / directory).iterdir() if p.is_file())
        assert sorted(Path(f).name for f in listed) == on_disk, f"{directory}/ and {name} differ"


def deployment(docs: list[Any]) -> dict[str, Any]:
    found: dict[str, Any] = next(d for d in docs if d["kind"] == "Deployment")
    return found


def test_probes_never_depend_on_redis() -> None:
    """/readyz answers 503 while Redis is down; as a readiness probe it would take every pod out
    of the Service at once, and the crisis fallback with them."""
    bot = deployment(load_all((K8S / "tsunagari.yaml").read_text()))["spec"]["template"]["spec"]
    container = bot["containers"][0]
    for probe in ("startupProbe", "readinessProbe", "livenessProbe"):
        assert container[probe]["httpGet"]["path"] == "/healthz", probe
    # liveness gives a busy process far longer than readiness before acting
    live, ready = container["livenessProbe"], container["readinessProbe"]
    assert live["periodSeconds"] * live["failureThreshold"] >= 3 * (
        ready["periodSeconds"] * ready["failureThreshold"]
    )
    mounts = {m["name"]: m["mountPath"] for m in container["volumeMounts"]}
    assert mounts == {"config": "/app/config", "dialogs": "/app/dialogs"}
    dockerfile = (DEPLOY / "Dockerfile").read_text()
    assert "WORKDIR /app" in dockerfile  # so the default BOT_CONFIG_DIR=config is /app/config
    assert re.search(r"^USER \d+$", dockerfile, re.M)  # numeric, for runAsNonRoot


def kustomize_command() -> list[str] | None:
    if shutil.which("kustomize"):
        return ["kustomize", "build", "--load-restrictor", "LoadRestrictionsNone", str(K8S)]
    if shutil.which("kubectl"):
        return ["kubectl", "kustomize", "--load-restrictor", "LoadRestrictionsNone", str(K8S)]
    return None


def test_kustomize_builds_configmaps_of_the_admin_files(kustomization: dict[str, Any]) -> None:
    command = kustomize_command()
    if command is None:
        pytest.skip("neither kustomize nor kubectl is installed here (structure checked above)")
    result = subprocess.run(command, capture_output=True, text=True, check=False, timeout=120)
    assert result.returncode == 0, result.stderr
    docs = load_all(result.stdout)
    maps = {d["metadata"]["name"]: d for d in docs if d["kind"] == "ConfigMap"}
    volumes = {
        v["name"]: v["configMap"]["name"]
        for v in deployment(docs)["spec"]["template"]["spec"]["volumes"]
    }
    for volume, base, directory in (
        ("config", "tsunagari-config", "config"),
        ("dialogs", "tsunagari-dialogs", "dialogs"),
    ):
        name = volumes[volume]
        assert name.startswith(base + "-") and name in maps  # the generated, hashed name
        data = maps[name]["data"]
        for path in (ROOT / directory).iterdir():
            assert data[path.name] == path.read_text(encoding="utf-8"), path


async def test_probe_path_answers_and_hotline_goes_out_while_redis_is_down(
    tmp_path: Path, key_prefix: str
) -> None:
    container = deployment(load_all((K8S / "tsunagari.yaml").read_text()))["spec"]["template"][
        "spec"
    ]["containers"][0]
    paths = {container[p]["httpGet"]["path"] for p in ("readinessProbe", "livenessProbe")}
    server = RedisServer(tmp_path / "redis").start()
    try:
        async with LineStandIn() as line:
            settings = make_settings(f"redis://127.0.0.1:{server.port}/0", key_prefix, line.url)
            async with running_app(settings) as app:
                server.stop()
                assert (await app.http.get("/readyz")).status_code == 503
                for path in paths:
                    assert (await app.http.get(path)).status_code == 200, path
                crisis = text_event("Uprobe", "もう死にたい")
                assert (await app.post_line(body_of(crisis))).status_code == 503  # redeliver
                await line.wait_for(lambda s: crisis["replyToken"] in s.used_tokens, timeout=15)
                answer = next(s for s in line.sent if s.reply_token == crisis["replyToken"])
                assert "0120-279-338" in "\n".join(answer.texts)
                server.start()  # back, so that the app stops at once
    finally:
        server.stop()
