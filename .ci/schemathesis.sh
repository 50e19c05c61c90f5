#!/usr/bin/env bash
# Contract tests: schemathesis (pinned, cached under the target dir) against a running simulator, bounded (a few
# examples per operation, a time budget), with all its checks (no server errors, documented statuses, content
# types, response schemas and headers, invalid input refused, valid input accepted). By default a few core
# operations; `SCHEMATHESIS_OPERATIONS=all` (what CI runs) takes every one. Further arguments go to
# `schemathesis run` (e.g. `--mode negative`). Prints the failures found and fails when there is any.
set -euo pipefail
cd "$(dirname "$0")/.."

SCHEMATHESIS_VERSION=4.32.0
source .ci/lib.sh
venv_with schemathesis "$SCHEMATHESIS_VERSION"

identifier=schemathesis
key=contract-test-key
start_mock "$identifier" "$key" "$cache/mock.log"

selection=()
if [ "${SCHEMATHESIS_OPERATIONS:-core}" != all ]; then
  for id in ${SCHEMATHESIS_OPERATIONS:-list_conversations get_conversation get_messages_in_conversation \
    send_message_in_conversation create_new_conversation list_people_profiles get_website}; do
    selection+=(--include-operation-id "$id")
  done
fi

"$venv/bin/schemathesis" run "http://127.0.0.1:$port/openapi.json" \
  --auth "$identifier:$key" \
  --checks all \
  --max-examples "${SCHEMATHESIS_MAX_EXAMPLES:-2}" \
  --max-time "${SCHEMATHESIS_MAX_TIME:-240}" \
  --request-timeout 10 \
  --seed 1 \
  --generation-database none \
  --report junit --report-dir "$cache/schemathesis" \
  "${selection[@]}" "$@"
