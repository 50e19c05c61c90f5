#!/usr/bin/env bash
# CI: what the playground's browser test needs (crisp-mock/tests/playground.rs): Debian's chromium and its
# WebDriver, chromedriver. The test fails under CI=true when they are missing, and saves target/playground.png.
set -euo pipefail
if command -v chromium >/dev/null && command -v chromedriver >/dev/null; then
  exit 0
fi
SUDO=""
if [ "$(id -u)" != 0 ]; then SUDO="sudo"; fi
$SUDO apt-get update -qq
DEBIAN_FRONTEND=noninteractive $SUDO apt-get install -y -qq --no-install-recommends chromium chromium-driver
chromium --version
chromedriver --version
