#!/usr/bin/env bash
# Proves the feature packages work for a worker that is not this one: packs worker-contract,
# feature-livelog and feature-artifacts (and local-queue, the embedded queue its test talks
# to) as they would be published, installs the tarballs with npm into a copy of
# examples/process-worker outside the workspace (so nothing resolves through the workspace's
# node_modules), builds it and runs its tests with Node's own runner.
# Expects `pnpm build` to have run (the packs hold each package's dist/).
# KEEP_WORK=1 leaves the temporary directory behind, to look into a failure.
set -euo pipefail
root="$(cd "$(dirname "$0")/.." && pwd)"
work="$(mktemp -d "${TMPDIR:-/tmp}/check-example-worker.XXXXXX")"
trap '[ -n "${KEEP_WORK:-}" ] || rm -rf "$work"' EXIT

# The workspace's lint covers packages/ only.
echo "[example-worker] lint"
(cd "$root" && node_modules/.bin/eslint examples/process-worker)

echo "[example-worker] packing"
mkdir "$work/packs"
for pkg in worker-contract feature-livelog feature-artifacts local-queue; do
  (cd "$root/packages/$pkg" && pnpm pack --pack-destination "$work/packs" >/dev/null)
done

echo "[example-worker] installing the tarballs outside the workspace"
# A copy without anything a local build left there.
mkdir "$work/app"
tar -C "$root/examples/process-worker" --exclude=node_modules --exclude=dist -cf - . | tar -C "$work/app" -xf -
cd "$work/app"
# Named explicitly: the features only peer-depend on worker-contract, and none of the
# @docker-worker packages is on the registry, so every one must come from its tarball.
npm install --no-audit --no-fund --loglevel=error "$work"/packs/*.tgz >/dev/null

# The point is a worker without these: one of them in the tree means a package drags it in
# (and, not being on the registry under our name, it would be someone else's package).
banned="$(find node_modules \( -path '*/node_modules/@docker-worker/worker-core' -o -path '*/node_modules/@docker-worker/docker-runtime' \
  -o -path '*/node_modules/@docker-worker/schema' -o -path '*/node_modules/dockerode' \) -prune -print)"
if [ -n "$banned" ]; then
  echo "[example-worker] the packed packages pull in what another worker must not need:" >&2
  echo "$banned" >&2
  exit 1
fi

echo "[example-worker] building with the workspace's TypeScript"
"$root/node_modules/.bin/tsc" -p .

echo "[example-worker] node --test"
node --test --test-reporter=spec dist/test/
