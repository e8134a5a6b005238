#!/usr/bin/env bash
# App image: the rendered tree (root.tgz, installed over /) and the worker (docker-worker.tgz,
# installed as /opt/docker-worker), both uploaded to $APP_DIR; then the services are enabled.
# TARGET_ROOT installs into another root instead of / (used by the tests).
set -euo pipefail
APP_DIR=${APP_DIR:-/tmp/docker-worker-app}
ROOT=${TARGET_ROOT:-/}
log() { echo "install-app: $*"; }

for file in root.tgz docker-worker.tgz; do
  [ -f "$APP_DIR/$file" ] || { echo "install-app: $APP_DIR/$file is missing" >&2; exit 1; }
done
# --no-overwrite-dir: existing folders (/, /etc, /usr/local...) keep their owner and mode.
tar -xzf "$APP_DIR/root.tgz" -C "$ROOT" --no-overwrite-dir --same-permissions
log "installed the rendered tree: $(tar -tzf "$APP_DIR/root.tgz" | grep -vc '/$') files"

mkdir -p "$ROOT/opt"
rm -rf "$ROOT/opt/docker-worker"
tar -xzf "$APP_DIR/docker-worker.tgz" -C "$ROOT/opt"
echo "${WORKER_REVISION:-unknown}" >"$ROOT/opt/docker-worker/REVISION"
log "installed the worker in $ROOT/opt/docker-worker (revision ${WORKER_REVISION:-unknown})"
if [ "$ROOT" = / ]; then
  /usr/local/bin/node /opt/docker-worker/dist/bin/worker.js --help >/dev/null
  log "the worker starts: $(/usr/local/bin/node --version)"
fi

units=(docker-worker-disks.service docker-worker-instance.service docker-worker.service)
if [ "$ROOT" = / ]; then
  systemctl daemon-reload
  systemctl enable "${units[@]}"
else
  systemctl --root="$ROOT" enable "${units[@]}"
fi
log "enabled ${units[*]}"
rm -rf "$APP_DIR"
