#!/usr/bin/env bash
# The OpenAPI document is useful from another language: openapi-python-client (pinned, in a venv cached under the
# target dir) generates a Python client from openapi/crisp-rest-v1.json, and a short program using it lists the
# conversations of a simulator started here on 127.0.0.1 and sends a message. Fails if the generator warns
# about the document (a sign other generators would choke too), or if a call does not do what it should.
set -euo pipefail
cd "$(dirname "$0")/.."

OPENAPI_PYTHON_CLIENT_VERSION=0.29.1
source .ci/lib.sh
venv_with openapi-python-client "$OPENAPI_PYTHON_CLIENT_VERSION"

out="$cache/python-client"
rm -rf "$out"
mkdir -p "$out"
# No formatter runs on the generated code (ruff is not installed): the client works unformatted.
printf 'post_hooks: []\n' >"$out/config.yaml"
"$venv/bin/openapi-python-client" generate --path openapi/crisp-rest-v1.json --config "$out/config.yaml" \
  --meta none --output-path "$out/crisp_rest_client" >"$out/generate.log" 2>&1 || {
  cat "$out/generate.log"
  exit 1
}
if grep -q "Warning" "$out/generate.log"; then
  echo "openapi-python-client warned about the document:"
  cat "$out/generate.log"
  exit 1
fi
echo "openapi-python-client $OPENAPI_PYTHON_CLIENT_VERSION generated $(find "$out/crisp_rest_client" -name '*.py' | wc -l) files"

identifier=python-client
key=python-client-key
start_mock "$identifier" "$key" "$out/mock.log"

PYTHONPATH="$out" "$venv/bin/python" .ci/python-client/use_client.py "http://127.0.0.1:$port/v1" "$identifier" "$key"
