#!/usr/bin/env bash
# Base image, step 4: the keys staged by `dw-deploy render` (deploy/target/keys), uploaded to
# $KEYS_DIR, installed in /etc/docker-worker readable by root only (the certificate: by all).
set -euo pipefail
KEYS_DIR=${KEYS_DIR:-/tmp/docker-worker-keys}
TARGET=${KEYS_TARGET:-/etc/docker-worker}
log() { echo "install-keys: $*"; }

install -d -m 755 "$TARGET"
for name in cot-signing-key.key tls.crt tls.key; do
  [ -f "$KEYS_DIR/$name" ] || continue
  mode=600
  [ "$name" != tls.crt ] || mode=644
  install -m "$mode" "$KEYS_DIR/$name" "$TARGET/$name"
  log "installed $TARGET/$name (mode $mode)"
done
[ -f "$TARGET/cot-signing-key.key" ] || log "WARNING: no chain-of-trust signing key installed"
# With a certificate, the live log server speaks https: docker-worker.service reads this file
# (DW_* variables override worker config keys; a JSON object value sets a whole section).
if [ -f "$TARGET/tls.crt" ] && [ -f "$TARGET/tls.key" ]; then
  printf "DW_FEATURES__LOCAL_LIVE_LOG__TLS='%s'\n" \
    "{\"certificate\":\"/etc/docker-worker/tls.crt\",\"key\":\"/etc/docker-worker/tls.key\"}" >"$TARGET/tls.env"
  log "live log over https: $TARGET/tls.env"
else
  rm -f "$TARGET/tls.env"
fi
rm -rf "$KEYS_DIR"
