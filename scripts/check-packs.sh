#!/usr/bin/env bash
# Checks the public packages as another worker would get them: `pnpm pack` of each (what
# `pnpm publish` uploads), the tarballs installed with npm in a fresh project outside the
# workspace (third-party dependencies from the npm registry), then every entry point imported
# from plain Node and a strict TypeScript consumer type-checked against the packed
# declarations. Fails on a workspace: range left in a packed manifest, a file missing from
# `files`, a dependency only the workspace provides, or a declaration that does not resolve.
set -euo pipefail
cd "$(dirname "$0")/.."
repo=$PWD
tsc="$repo/node_modules/typescript/bin/tsc"

work=$(mktemp -d /tmp/dw-check-packs.XXXXXX)
trap 'rm -rf "$work"' EXIT
mkdir "$work/tarballs" "$work/consumer"

# The tarballs hold dist/ as it is now: build first (turbo replays it when nothing changed).
pnpm build --output-logs=errors-only >/dev/null

# shellcheck disable=SC2016 # the single-quoted ${...} are JavaScript's, not the shell's
mapfile -t public < <(node -e '
  const { readdirSync, readFileSync, existsSync } = require("node:fs");
  for (const dir of readdirSync("packages").sort()) {
    const manifest = `packages/${dir}/package.json`;
    if (existsSync(manifest) && !JSON.parse(readFileSync(manifest, "utf8")).private) console.log(`packages/${dir}`);
  }')
echo "[check-packs] packing ${#public[@]} public packages"
for dir in "${public[@]}"; do
  (cd "$dir" && pnpm pack --pack-destination "$work/tarballs" >/dev/null)
done

status=0
for tarball in "$work"/tarballs/*.tgz; do
  if tar -xzOf "$tarball" package/package.json | grep -n 'workspace:'; then
    echo "[check-packs] $(basename "$tarball"): a workspace: range was not rewritten" >&2
    status=1
  fi
  if tar -tzf "$tarball" | grep -E '\.test\.ts$'; then
    echo "[check-packs] $(basename "$tarball"): ships test files" >&2
    status=1
  fi
done
[ "$status" = 0 ] || exit 1

cp scripts/check-packs/imports.mjs scripts/check-packs/consumer.ts scripts/check-packs/tsconfig.json "$work/consumer/"
cd "$work/consumer"
echo '{ "name": "check-packs-consumer", "private": true, "type": "module" }' >package.json
# The consumer brings its own Node types, as any TypeScript project does; same major as the workspace's.
types_node=$(node -p "require('$repo/package.json').devDependencies['@types/node']")
echo "[check-packs] npm install of the tarballs in $work/consumer"
# linked: each package sees only what it declares (as under pnpm), so a dependency that another
# package happens to bring along does not hide a missing one.
npm install --install-strategy=linked --prefer-offline --no-audit --no-fund --loglevel=error "@types/node@$types_node" "$work"/tarballs/*.tgz

echo "[check-packs] importing every entry point from plain Node"
node imports.mjs

echo "[check-packs] running the installed commands"
for command in worker docker-worker dw-schema; do
  if ! help=$("node_modules/.bin/$command" --help) || [[ "$help" != Usage:* ]]; then
    echo "[check-packs] the installed $command command does not run" >&2
    exit 1
  fi
  echo "ok $command --help"
done

echo "[check-packs] type-checking a strict NodeNext consumer against the packed declarations"
"$tsc" -p tsconfig.json
echo "[check-packs] ok"
