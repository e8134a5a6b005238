#!/usr/bin/env bash
# Runs every test: sets the machine up (Docker engine, RabbitMQ, registry, test images), builds,
# then lint, typecheck, the packed public packages (scripts/check-packs.sh) and each package's
# jest suites against the real services.
set -euo pipefail
cd "$(dirname "$0")/.."
bash scripts/bootstrap.sh
echo "[test] lint"
pnpm lint --output-logs=errors-only
# The benchmarks and scripts are plain JavaScript outside every package.
pnpm lint:plain
echo "[test] typecheck"
pnpm typecheck --output-logs=errors-only
status=0
echo "[test] packed packages, installed outside the workspace"
# A packaging fault must not hide the test results: noted, and the suites still run.
bash scripts/check-packs.sh || status=1
echo "[test] jest, package by package"
rm -f packages/*/.jest-results.json
# --continue: one failing package must not hide the results of the others.
pnpm turbo run test --concurrency=1 --continue || status=$?
echo "[test] example worker, from the packed packages"
bash scripts/check-example-worker.sh || status=1
node scripts/test-summary.mjs || status=1
exit $status
