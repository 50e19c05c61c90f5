#!/usr/bin/env bash
# CI: licences and duplicate versions of the dependency tree (deny.toml).
# Runs offline: these two checks need no advisory database, only the crate
# sources cargo already fetched.
set -euo pipefail
cd "$(dirname "$0")/.."

if ! command -v cargo-deny >/dev/null; then
  # Compiles for a few minutes, once per machine.
  cargo install --locked cargo-deny
fi
cargo deny --version

# The manifests of every platform's dependencies, which the check reads.
cargo fetch --locked
cargo deny --offline --locked check licenses bans
