#!/usr/bin/env bash
# The OpenAPI document (openapi/crisp-rest-v1.json): validated by openapi-spec-validator and linted by
# @redocly/cli, 0 errors. The pinned tools are installed once, into a cache under the target dir.
set -euo pipefail
cd "$(dirname "$0")/.."

OPENAPI_SPEC_VALIDATOR_VERSION=0.9.0
REDOCLY_CLI_VERSION=2.77.0
DOCUMENT=openapi/crisp-rest-v1.json
source .ci/lib.sh
venv_with openapi-spec-validator "$OPENAPI_SPEC_VALIDATOR_VERSION"
npm_prefix="$cache/npm-redocly-$REDOCLY_CLI_VERSION"
if [ ! -x "$npm_prefix/node_modules/.bin/redocly" ]; then
  npm install --silent --no-audit --no-fund --prefix "$npm_prefix" "@redocly/cli@$REDOCLY_CLI_VERSION"
fi

echo "openapi-spec-validator $OPENAPI_SPEC_VALIDATOR_VERSION:"
"$venv/bin/openapi-spec-validator" "$DOCUMENT"

echo "@redocly/cli $REDOCLY_CLI_VERSION lint:"
report="$cache/lint.txt"
# Lint errors fail the step; warnings are counted and printed.
status=0
REDOCLY_TELEMETRY=off REDOCLY_SUPPRESS_UPDATE_NOTICE=true \
  "$npm_prefix/node_modules/.bin/redocly" lint --format=summary "$DOCUMENT" >"$report" 2>&1 || status=$?
cat "$report"
warnings=$(grep -oE '[0-9]+ warnings?' "$report" | tail -1 | grep -oE '[0-9]+' || echo 0)
echo "lint warnings: $warnings"
exit "$status"
