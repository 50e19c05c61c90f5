#!/usr/bin/env bash
# Build-time benchmark: a clean debug build of crisp-api (its dependencies
# included, as a user's first `cargo build` does), once with the default
# features and once with only the `website` service group.
#
# Each build starts from an empty scratch target directory, removed at the
# end, so the workspace's own target/ is left alone. Crates are fetched
# before the clock starts. It prints wall seconds and CPU seconds (user +
# system, which other processes on the machine move less than wall time).
#
#   scripts/bench-build.sh [RUNS]       # RUNS rounds of both builds (default 1)
#   CARGO_BUILD_JOBS=2 scripts/bench-build.sh 2
#
# On a shared machine, compare figures from the same invocation only.
set -euo pipefail

cd "$(dirname "$0")/.."
runs=${1:-1}
scratch=$(mktemp -d "${TMPDIR:-/tmp}/crisp-api-bench-build.XXXXXX")
trap 'rm -rf "$scratch"' EXIT

cargo fetch --locked --quiet

measure() {
    local label=$1
    shift
    rm -rf "$scratch/target"
    local times
    # bash's `time` reports wall, user and system seconds of the build.
    if ! times=$( { TIMEFORMAT='%R %U %S'; time cargo build --locked -p crisp-api \
        --target-dir "$scratch/target" "$@" >"$scratch/build.log" 2>&1; } 2>&1 ); then
        cat "$scratch/build.log" >&2
        echo "$label: the build failed" >&2
        exit 1
    fi
    local wall user sys
    read -r wall user sys <<<"$times"
    awk -v label="$label" -v wall="$wall" -v user="$user" -v sys="$sys" \
        'BEGIN { printf "%-30s %7.1f s wall %8.1f s CPU\n", label, wall, user + sys }'
}

echo "clean debug build of crisp-api, $(nproc) CPUs, $(cargo --version)"
for run in $(seq "$runs"); do
    echo "run $run"
    measure "default features"
    measure "only website" --no-default-features --features website
done
