# What the .ci scripts share: pinned Python tools in venvs cached under the target dir, and a simulator started on
# a free loopback port for the length of a script. Sourced, not run.

target="${CARGO_TARGET_DIR:-target}"
cache="$target/openapi-tools"
mkdir -p "$cache"

# venv_with PACKAGE VERSION: sets $venv to a venv holding PACKAGE==VERSION, made once and kept in the cache.
venv_with() {
  venv="$cache/venv-$1-$2"
  if ! "$venv/bin/python" -c "import importlib.metadata as m, sys; sys.exit(m.version('$1') != '$2')" 2>/dev/null; then
    python3 -m venv "$venv"
    "$venv/bin/pip" install --quiet "$1==$2"
  fi
}

# start_mock IDENTIFIER KEY LOG: builds and starts crisp-mock with that keypair, logging to LOG; sets $port and
# stops the simulator when the script exits. Returns once it serves its OpenAPI document.
start_mock() {
  cargo build --quiet --locked -p crisp-mock --bin crisp-mock
  port=$(python3 -c 'import socket; s = socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])')
  "$target/debug/crisp-mock" --listen "127.0.0.1:$port" --identifier "$1" --key "$2" >"$3" 2>&1 &
  mock_pid=$!
  trap 'kill "$mock_pid" 2>/dev/null || true' EXIT
  for _ in $(seq 50); do
    curl -fsS -o /dev/null "http://127.0.0.1:$port/openapi.json" && return 0
    sleep 0.2
  done
  echo "crisp-mock did not start; its log:" >&2
  cat "$3" >&2
  return 1
}
