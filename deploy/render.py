#!/usr/bin/env python3
"""Render the production configuration of every host from one variables file (issue 18).

    python3 deploy/render.py --vars deploy/vars.sample.toml --out /tmp/rendu [--site A]

Standard library only (``string.Template`` and ``tomllib``), so it runs on an operator's
machine without the platform installed. Templates live in ``deploy/templates/``; a template
variable is written ``${name}`` in lower case, a literal dollar ``$$``. Upper-case
``${NAME}`` left in a rendered file are runtime environment variables read by HAProxy from
its secrets file (see ``RUNTIME_ENVIRONMENT``), never template variables.

The output is one folder per host holding the files to install at the same paths
(``OUT/<host>/etc/...``). Each host gets the files of its roles (``ROLE_FILES``).
Availability and no data loss drive the layout: CCTP 4.2.2.3.
"""

from __future__ import annotations

import argparse
import re
import string
import sys
import tomllib
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from pathlib import Path

TEMPLATES = Path(__file__).resolve().parent / "templates"

# Runtime environment variables a rendered file may still name (HAProxy expands them when it
# reads its configuration; their values are secrets kept out of the variables file).
RUNTIME_ENVIRONMENT = frozenset({"REDIS_PASSWORD"})

ROLES = frozenset(
    {"edge", "web", "worker", "beat", "timers", "pg-electeurs", "pg-urne", "etcd", "redis",
     "sentinel", "monitor", "backup-electeurs", "backup-urne"}
)  # fmt: skip
APP_ROLES = frozenset({"web", "worker", "beat", "timers"})
CLUSTERS = {"pg-electeurs": "scrutin-electeurs", "pg-urne": "scrutin-urne"}
# The database each cluster holds (docs/ops.md "Processes").
DATABASE_NAMES = {"scrutin-electeurs": "scrutin", "scrutin-urne": "scrutin_ballotbox"}
# The backup host of each cluster (pg_receivewal + pg_basebackup; docs/ops.md "Backups"): one
# per cluster, never the same for both (the two copies are kept in separate custody).
BACKUP_ROLES = {"backup-electeurs": "scrutin-electeurs", "backup-urne": "scrutin-urne"}
BACKUP_SLOT = "scrutin_backup"

# template (relative to TEMPLATES) -> installed path; per role.
SYSTEMD = "etc/systemd/system"
PATRONI_DROPIN = f"{SYSTEMD}/patroni@.service.d/scrutin.conf"
ROLE_FILES: dict[str, list[tuple[str, str]]] = {
    "edge": [("haproxy/edge.cfg", "etc/haproxy/haproxy.cfg")],
    "web": [
        ("systemd/scrutin-web.socket", f"{SYSTEMD}/scrutin-web.socket"),
        ("systemd/scrutin-web.service", f"{SYSTEMD}/scrutin-web.service"),
        ("nginx/scrutin-static.conf", "etc/nginx/sites-available/scrutin-static.conf"),
    ],
    "worker": [("systemd/scrutin-worker.service", f"{SYSTEMD}/scrutin-worker.service")],
    "beat": [("systemd/scrutin-beat.service", f"{SYSTEMD}/scrutin-beat.service")],
    "timers": [
        ("systemd/scrutin-recover.service", f"{SYSTEMD}/scrutin-recover.service"),
        ("systemd/scrutin-recover.timer", f"{SYSTEMD}/scrutin-recover.timer"),
        ("systemd/scrutin-close.service", f"{SYSTEMD}/scrutin-close.service"),
        ("systemd/scrutin-close.timer", f"{SYSTEMD}/scrutin-close.timer"),
    ],
    "pg-electeurs": [("systemd/patroni-restart.conf", PATRONI_DROPIN)],
    "pg-urne": [("systemd/patroni-restart.conf", PATRONI_DROPIN)],
    "etcd": [("etcd/etcd.default", "etc/default/etcd")],
    "sentinel": [("redis/sentinel.conf", "etc/redis/sentinel.conf")],
    "monitor": [("prometheus/prometheus.yml", "etc/prometheus/prometheus.yml")],
}
APP_FILES = [
    ("scrutin/env", "etc/scrutin/env"),
    ("haproxy/app.cfg", "etc/haproxy/haproxy.cfg"),
]
PG_FILES = [("patroni/patroni.yml", "etc/patroni/{scope}.yml")]
BACKUP_FILES = [
    ("systemd/scrutin-receivewal.service", f"{SYSTEMD}/scrutin-receivewal.service"),
    ("systemd/scrutin-basebackup.service", f"{SYSTEMD}/scrutin-basebackup.service"),
    ("systemd/scrutin-basebackup.timer", f"{SYSTEMD}/scrutin-basebackup.timer"),
    ("backup/scrutin-basebackup", "usr/local/sbin/scrutin-basebackup"),
]

PLATFORM_KEYS = (
    "domain", "prefix", "var_dir", "user", "tls_certificate", "web_workers", "web_threads",
    "worker_concurrency", "pg_version", "pg_ssl_cert", "pg_ssl_key", "backup_repo",
    "backup_retention_full", "backup_calendar", "redis_maxmemory",
)  # fmt: skip
HOST_KEYS = ("name", "site", "address", "roles")


class RenderError(Exception):
    """A variables file or template the renderer refuses; the message is for the operator."""


class _Template(string.Template):
    # ${name} only (lower case, digits, underscore): a bare $word is not a template variable.
    idpattern = r"(?-i:[a-z][a-z0-9_]*)"
    braceidpattern = idpattern


@dataclass(frozen=True)
class Host:
    name: str
    site: str
    address: str
    roles: frozenset[str]


def load_vars(path: Path) -> dict[str, object]:
    try:
        with path.open("rb") as handle:
            return tomllib.load(handle)
    except OSError as error:
        raise RenderError(f"Fichier de variables illisible : {path} ({error.strerror}).") from None
    except tomllib.TOMLDecodeError as error:
        raise RenderError(f"Fichier de variables mal formé : {path} ({error}).") from None


def _require(table: Mapping[str, object], keys: Iterable[str], where: str) -> None:
    for key in keys:
        if key not in table or table[key] in ("", None):
            raise RenderError(f"Variable manquante : « {key} » dans {where}.")


def parse_hosts(variables: Mapping[str, object]) -> list[Host]:
    raw = variables.get("hosts")
    if not isinstance(raw, list) or not raw:
        raise RenderError("Variable manquante : « hosts » (au moins une machine [[hosts]]).")
    hosts = []
    for index, entry in enumerate(raw, 1):
        _require(entry, HOST_KEYS, f"la machine n° {index} ([[hosts]])")
        roles = frozenset(entry["roles"])
        unknown = sorted(roles - ROLES)
        if unknown:
            raise RenderError(f"Rôle inconnu pour {entry['name']} : {', '.join(unknown)}.")
        hosts.append(Host(entry["name"], entry["site"], entry["address"], roles))
    names = [h.name for h in hosts]
    if len(set(names)) != len(names):
        raise RenderError("Deux machines portent le même nom dans [[hosts]].")
    return hosts


def _with(hosts: list[Host], role: str) -> list[Host]:
    return [h for h in hosts if role in h.roles]


def check_topology(hosts: list[Host]) -> None:
    """The layout issue 18 asks for: 2 nodes per database on two sites, 3 etcd, 3 sentinels."""
    both = [h.name for h in hosts if all(role in h.roles for role in CLUSTERS)]
    if both:
        raise RenderError(
            f"{both[0]} porte les deux bases : l'urne doit être sur un système distinct."
        )
    for role in CLUSTERS:
        nodes = _with(hosts, role)
        if len(nodes) != 2 or len({h.site for h in nodes}) != 2:
            raise RenderError(f"Le rôle {role} demande deux machines sur deux sites différents.")
    for role in BACKUP_ROLES:
        if len(_with(hosts, role)) != 1:
            raise RenderError(f"Le rôle {role} doit être tenu par exactement une machine.")
    for h in hosts:
        if len(h.roles & set(BACKUP_ROLES)) == 2:
            raise RenderError(
                f"{h.name} sauvegarde les deux bases : leurs copies doivent rester séparées."
            )
        if h.roles & set(BACKUP_ROLES) and h.roles & set(CLUSTERS):
            raise RenderError(
                f"{h.name} sauvegarde une base qu'il héberge : prenez une autre machine."
            )
    for role, count in (("etcd", 3), ("sentinel", 3)):
        nodes = _with(hosts, role)
        if len(nodes) != count or len({h.site for h in nodes}) != count:
            raise RenderError(f"Le rôle {role} demande {count} machines sur {count} sites.")
    for role in ("edge", "web", "worker", "redis"):
        if not _with(hosts, role):
            raise RenderError(f"Aucune machine n'a le rôle {role}.")
    for role in ("beat", "monitor"):
        if len(_with(hosts, role)) != 1:
            raise RenderError(f"Le rôle {role} doit être tenu par exactement une machine.")
    if len(_with(hosts, "timers")) < 1:
        raise RenderError("Aucune machine n'a le rôle timers.")


def _lines(items: Iterable[str], indent: str = "") -> str:
    return "\n".join(indent + item for item in items)


def derived(platform: Mapping[str, object], hosts: list[Host]) -> dict[str, str]:
    """Values computed from the topology (server lists, cluster members), shared by hosts."""
    web = _with(hosts, "web")
    app = [h for h in hosts if h.roles & APP_ROLES]
    etcd = _with(hosts, "etcd")
    redis = _with(hosts, "redis")
    values = {
        "web_servers": _lines((f"server {h.name} {h.address}:8000 check" for h in web), "    "),
        "static_servers": _lines((f"server {h.name} {h.address}:8081 check" for h in web), "    "),
        "redis_servers": _lines(
            (f"server {h.name} {h.address}:6379 check inter 1s" for h in redis), "    "
        ),
        "redis_master_address": redis[0].address,
        "etcd_hosts": ",".join(f"{h.address}:2379" for h in etcd),
        "etcd_initial_cluster": ",".join(f"{h.name}=http://{h.address}:2380" for h in etcd),
        "trusted_proxies": ",".join(h.address for h in _with(hosts, "edge")),
        "metrics_allowed": ",".join(h.address for h in _with(hosts, "monitor")),
        "prometheus_web_targets": ", ".join(f"'{h.address}:8000'" for h in web),
        "prometheus_node_targets": ", ".join(f"'{h.address}:9100'" for h in hosts),
        "prometheus_etcd_targets": ", ".join(f"'{h.address}:2379'" for h in etcd),
        "prometheus_edge_targets": ", ".join(f"'{h.address}:8405'" for h in _with(hosts, "edge")),
    }
    patroni_targets = []
    for role, scope in CLUSTERS.items():
        nodes = _with(hosts, role)
        key = scope.removeprefix("scrutin-")
        values[f"pg_{key}_servers"] = _lines(
            (f"server {h.name} {h.address}:5432 check port 8008" for h in nodes), "    "
        )
        patroni_targets += [f"'{h.address}:8008'" for h in nodes]
        backup_role = next(r for r, c in BACKUP_ROLES.items() if c == scope)
        values[f"pg_{key}_backup_address"] = _with(hosts, backup_role)[0].address
        # libpq tries both nodes and keeps the one that accepts writes: the Patroni leader
        values[f"pg_{key}_backup_conninfo"] = (
            f"host={','.join(h.address for h in nodes)} port={','.join('5432' for _ in nodes)} "
            "user=replicator sslmode=require target_session_attrs=read-write connect_timeout=5"
        )
        values[f"pg_{key}_hba_app"] = "\n    ".join(
            f"- hostssl {DATABASE_NAMES[scope]} scrutin {h.address}/32 scram-sha-256" for h in app
        )
    values["prometheus_patroni_targets"] = ", ".join(patroni_targets)
    return values


def render_text(template_name: str, values: Mapping[str, object]) -> str:
    text = (TEMPLATES / template_name).read_text(encoding="utf-8")
    template = _Template(text)
    missing = sorted({name for name in template.get_identifiers() if name not in values})
    if missing:
        raise RenderError(
            f"Variable manquante pour le modèle {template_name} : "
            + ", ".join(f"« {name} »" for name in missing)
            + "."
        )
    return template.substitute({key: str(value) for key, value in values.items()})


def host_files(
    host: Host, platform: Mapping[str, object], shared: Mapping[str, str], hosts: list[Host]
) -> dict[str, str]:
    """Installed path -> rendered text, for one host."""
    base = {**platform, **shared, "host_name": host.name, "host_address": host.address,
            "host_site": host.site}  # fmt: skip
    files: dict[str, str] = {}
    for role in sorted(host.roles):
        for template_name, target in ROLE_FILES.get(role, []):
            files[target] = render_text(template_name, base)
    if host.roles & APP_ROLES:
        for template_name, target in APP_FILES:
            files[target] = render_text(template_name, base)
    for role, scope in CLUSTERS.items():
        if role not in host.roles:
            continue
        peer = next(h for h in _with(hosts, role) if h != host)
        key = scope.removeprefix("scrutin-")
        values = {**base, "scope": scope, "database": DATABASE_NAMES[scope],
                  "peer_address": peer.address, "pg_hba_app": shared[f"pg_{key}_hba_app"],
                  "backup_address": shared[f"pg_{key}_backup_address"],
                  "backup_slot": BACKUP_SLOT, "pg_port": 5432}  # fmt: skip
        for template_name, target in PG_FILES:
            files[target.format(scope=scope)] = render_text(template_name, values)
    for role, scope in BACKUP_ROLES.items():
        if role not in host.roles:
            continue
        key = scope.removeprefix("scrutin-")
        values = {**base, "scope": scope, "backup_slot": BACKUP_SLOT,
                  "backup_conninfo": shared[f"pg_{key}_backup_conninfo"]}  # fmt: skip
        for template_name, target in BACKUP_FILES:
            files[target] = render_text(template_name, values)
    if "redis" in host.roles:
        replica = "" if host.address == shared["redis_master_address"] else (
            f"replicaof {shared['redis_master_address']} 6379"
        )  # fmt: skip
        files["etc/redis/conf.d/scrutin.conf"] = render_text(
            "redis/scrutin.conf", {**base, "replicaof": replica}
        )
    return files


def render(variables: Mapping[str, object], site: str | None = None) -> dict[str, dict[str, str]]:
    """Host name -> {installed path: text}; every host, or only those of ``site``."""
    platform = variables.get("platform")
    if not isinstance(platform, dict):
        raise RenderError("Variable manquante : « platform » (table [platform]).")
    _require(platform, PLATFORM_KEYS, "[platform]")
    hosts = parse_hosts(variables)
    check_topology(hosts)
    if site is not None and site not in {h.site for h in hosts}:
        raise RenderError(f"Aucune machine sur le site « {site} ».")
    shared = derived(platform, hosts)
    return {
        h.name: host_files(h, platform, shared, hosts)
        for h in hosts
        if site is None or h.site == site
    }


LEFTOVER = re.compile(r"\$\{[a-z][a-z0-9_]*\}|\{\{|\}\}")


def write(rendered: Mapping[str, Mapping[str, str]], out: Path) -> list[Path]:
    written = []
    for host, files in rendered.items():
        for target, text in files.items():
            path = out / host / target
            path.parent.mkdir(parents=True, exist_ok=True)
            path.write_text(text, encoding="utf-8")
            written.append(path)
    return written


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description="Produit la configuration de chaque machine.")
    parser.add_argument("--vars", type=Path, required=True, help="fichier de variables TOML")
    parser.add_argument("--out", type=Path, required=True, help="dossier de sortie")
    parser.add_argument("--site", help="ne produire que les machines de ce site")
    args = parser.parse_args(argv)
    try:
        rendered = render(load_vars(args.vars), args.site)
    except RenderError as error:
        print(error, file=sys.stderr)
        return 2
    written = write(rendered, args.out)
    print(f"{len(written)} fichiers écrits pour {len(rendered)} machines dans {args.out}.")
    return 0


if __name__ == "__main__":
    sys.exit(main())
