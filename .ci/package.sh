#!/usr/bin/env bash
# CI: package every publishable workspace member, then build each package's
# library, binaries, examples and tests from the packaged sources alone.
#
# `cargo package`'s own verify step builds only the library; a dev-dependency
# given only as a path is silently dropped from the package, so its examples
# and tests would break for anyone building the published crate. Here the
# `.crate` files are unpacked into a scratch workspace whose only link between
# them is a `[patch.crates-io]` per packaged crate (standing in for the
# registry before publication): anything the package lacks fails the build.
set -euo pipefail
cd "$(dirname "$0")/.."
root=$PWD

export CARGO_TERM_COLOR=${CARGO_TERM_COLOR:-never}

if ! command -v jq >/dev/null; then
  apt-get install -y -qq jq >/dev/null
fi

metadata=$(cargo metadata --no-deps --format-version 1 --locked)
# Where cargo puts the .crate files (CARGO_TARGET_DIR may move it).
target_dir=$(jq -r .target_directory <<<"$metadata")
# Members whose manifest does not say `publish = false` (cargo metadata: []).
mapfile -t crates < <(jq -r '.packages[] | select(.publish != []) | "\(.name) \(.version)"' <<<"$metadata")
if [ "${#crates[@]}" -eq 0 ]; then
  echo "no publishable workspace member found" >&2
  exit 1
fi

package_args=()
for crate in "${crates[@]}"; do
  package_args+=(--package "${crate% *}")
done
# --no-verify: the build below covers more than the verify step would.
cargo package --locked --no-verify "${package_args[@]}"

scratch=$target_dir/package-check
rm -rf "$scratch"
mkdir -p "$scratch"
members=""
patches=""
for crate in "${crates[@]}"; do
  name=${crate% *}
  version=${crate#* }
  file=$target_dir/package/$name-$version.crate
  printf '%-12s %8s bytes  %3s files\n' "$name" "$(stat -c %s "$file")" "$(tar -tzf "$file" | grep -vc '/$')"
  tar -xzf "$file" -C "$scratch"
  members+="\"$name-$version\", "
  patches+="$name = { path = \"$name-$version\" }"$'\n'
done

{
  echo "[workspace]"
  echo "resolver = \"3\""
  echo "members = [${members%, }]"
  echo
  echo "[patch.crates-io]"
  printf '%s' "$patches"
  echo
  # The repository's profiles, so the shared target dir keeps its cache.
  awk '/^\[/ { keep = /^\[profile/ } keep' "$root/Cargo.toml"
} >"$scratch/Cargo.toml"
# Start from the repository's lock so the versions are those CI tested.
cp "$root/Cargo.lock" "$scratch/Cargo.lock"
# Unpacked files keep the mtimes cargo stored; a fresh mtime makes cargo
# rebuild the packaged crates rather than trust an earlier build's artifacts.
find "$scratch" -type f -exec touch {} +

cd "$scratch"
export CARGO_TARGET_DIR=$target_dir
# All features: packaged manifests drop path-only self dev-dependencies, such
# as the one that turns on crisp-api's optional features for its own tests.
cargo build --workspace --all-targets --all-features
echo "packaged and built from the packages: ${crates[*]}"
