#!/usr/bin/env bash
# A second MCP client: the official Python SDK (PyPI `mcp`, pinned, in a venv cached under the target dir) drives
# crisp-mcp over stdio and Streamable HTTP, at both protocol revisions, against a simulator it starts on
# 127.0.0.1, including per-request Basic credentials on a server that holds no key. Exits non-zero on any failure.
set -euo pipefail
cd "$(dirname "$0")/.."

MCP_SDK_VERSION=2.3.0
target="${CARGO_TARGET_DIR:-target}"
cache="$target/openapi-tools"
venv="$cache/venv-mcp-$MCP_SDK_VERSION"
if [ ! -x "$venv/bin/python" ] || ! "$venv/bin/python" -c "import mcp, httpx2" 2>/dev/null; then
  python3 -m venv "$venv"
  "$venv/bin/pip" install --quiet "mcp==$MCP_SDK_VERSION"
fi
installed=$("$venv/bin/python" -c 'import importlib.metadata as m; print(m.version("mcp"))')
if [ "$installed" != "$MCP_SDK_VERSION" ]; then
  echo "mcp-python: the venv holds mcp $installed, not $MCP_SDK_VERSION" >&2
  exit 1
fi

cargo build --quiet --locked -p crisp-mock --bin crisp-mock
cargo build --quiet --locked -p crisp-mcp --bin crisp-mcp
timeout 300 "$venv/bin/python" crisp-mcp/tests/python/drive_crisp_mcp.py \
  --mcp "$target/debug/crisp-mcp" --mock "$target/debug/crisp-mock"
