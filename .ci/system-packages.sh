#!/usr/bin/env bash
# CI: the Debian packages the checks need. chromium and chromium-driver (chromedriver) for the playground's
# browser test (crisp-mock/tests/playground.rs, which fails under CI=true without them and saves
# playground.png in cargo's test scratch dir); jq for .ci/package.sh; postgresql for the `crisp sync` tests
# (crisp-cli/tests/sync_postgres.rs starts a throwaway cluster with its initdb and pg_ctl, and
# fails under CI=true without them). Installs only what is missing.
set -euo pipefail
need=()
command -v chromium >/dev/null || need+=(chromium)
command -v chromedriver >/dev/null || need+=(chromium-driver)
command -v jq >/dev/null || need+=(jq)
# .ci/openapi.sh installs its pinned validator into a venv.
python3 -c 'import ensurepip, venv' 2>/dev/null || need+=(python3-venv)
command -v npm >/dev/null || need+=(npm)
# Debian keeps the server binaries off PATH, under /usr/lib/postgresql/VERSION/bin.
compgen -G "/usr/lib/postgresql/*/bin/initdb" >/dev/null || need+=(postgresql)
if [ "${#need[@]}" -gt 0 ]; then
  SUDO=""
  if [ "$(id -u)" != 0 ]; then SUDO="sudo"; fi
  $SUDO apt-get update -qq
  DEBIAN_FRONTEND=noninteractive $SUDO apt-get install -y -qq --no-install-recommends "${need[@]}" >/dev/null
fi
chromium --version
chromedriver --version
jq --version
"$(compgen -G "/usr/lib/postgresql/*/bin/postgres" | sort -V | tail -n 1)" --version
