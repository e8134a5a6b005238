#!/usr/bin/env bash
# Shared first half of both README commands: machine set-up (packages, services, images),
# then the pinned pnpm, the locked dependencies, and a build. Idempotent.
set -euo pipefail
cd "$(dirname "$0")/.."

bash scripts/setup-machine.sh

PNPM_VERSION=12.4.2
if [ "$(pnpm --version 2>/dev/null || true)" != "$PNPM_VERSION" ]; then
  echo "[bootstrap] installing pnpm $PNPM_VERSION"
  npm install -g --silent "pnpm@$PNPM_VERSION" >/dev/null
fi
echo "[bootstrap] installing dependencies (pnpm install --frozen-lockfile)"
pnpm install --frozen-lockfile --reporter=silent
echo "[bootstrap] building"
pnpm build --output-logs=errors-only
echo "[bootstrap] installing the docker-worker command"
bash scripts/install-command.sh
