#!/usr/bin/env bash
# Installs the system packages Scrutin needs (Debian). Idempotent: does nothing when all are present.
# libsodium: ristretto255 and Ed25519; libssl3 (libcrypto.so.3, OpenSSL 3): P-256 point arithmetic
# (Debian 13 names it libssl3t64, accepted as well); chromium: end-to-end tests and browser benchmarks;
# postgresql-client: psql/pg_isready for CI and benchmarks; nodejs/npm: the browser crypto bundle;
# poppler-utils: pdftoppm, to look at the procès-verbal golden file (docs/fr/proces-verbal.md);
# firefox-esr, webkit2gtk-driver (WebKitWebDriver and WebKitGTK's MiniBrowser) and xvfb (WebKitGTK
# has no headless mode): the end-to-end tests in Firefox and WebKit (CCTP 4.2.4.1).
# iproute2: the voting machine's isolation test brings up the loopback of a new network namespace (RT 73).
# espeak-ng: the voting machine's spoken prompts, synthesised at preparation (RT 61–64).
# haproxy, patroni: their own checkers validate the rendered deploy/ configuration (haproxy -c,
# patroni --validate-config); no service is started.
# postgresql-15: the server binaries (initdb, pg_ctl, pg_basebackup, pg_receivewal, pg_verifybackup)
# of the backup and restore drill (deploy/backup_drill.py, tests/integration/test_backup_drill.py),
# which starts throwaway clusters of its own; SCRUTIN_PG_BIN points elsewhere if needed.
set -euo pipefail
need=()
for pkg in libsodium23 libssl3 chromium firefox-esr webkit2gtk-driver xvfb postgresql-client nodejs npm \
           fonts-dejavu-core poppler-utils iproute2 espeak-ng haproxy patroni postgresql-15; do
  dpkg -s "$pkg" >/dev/null 2>&1 && continue
  [ "$pkg" = libssl3 ] && dpkg -s libssl3t64 >/dev/null 2>&1 && continue
  need+=("$pkg")
done
# Debian's npm package is not needed when a node with npm is already on the PATH.
if command -v npm >/dev/null 2>&1; then
  need=("${need[@]/npm}"); need=("${need[@]/nodejs}")
fi
pkgs=()
for p in "${need[@]}"; do [ -n "$p" ] && pkgs+=("$p"); done
[ ${#pkgs[@]} -eq 0 ] && exit 0
if [ "$(id -u)" -ne 0 ]; then
  echo "Paquets système manquants : ${pkgs[*]} — installez-les (sudo apt-get install ${pkgs[*]})." >&2
  exit 1
fi
apt-get update -qq
DEBIAN_FRONTEND=noninteractive apt-get install -y -qq "${pkgs[@]}"
