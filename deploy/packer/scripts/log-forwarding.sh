#!/usr/bin/env bash
# App image: forward the system log (the journal, the worker's included) to a syslog server:
# LOG_FORWARD_TARGET=host:port (empty: no forwarding), LOG_FORWARD_PROTOCOL=tls|tcp|udp.
# Messages wait in a disk-assisted queue while the server is unreachable.
set -euo pipefail
TARGET=${LOG_FORWARD_TARGET:-}
PROTOCOL=${LOG_FORWARD_PROTOCOL:-tls}
CONF=${RSYSLOG_CONF:-/etc/rsyslog.d/60-docker-worker-forward.conf}
log() { echo "log-forwarding: $*"; }

if [ -z "$TARGET" ]; then
  rm -f "$CONF"
  log "no target: logs stay on the machine"
  exit 0
fi
host=${TARGET%:*}
port=${TARGET##*:}
[[ $host != "$TARGET" && $port =~ ^[0-9]+$ ]] || { echo "log-forwarding: LOG_FORWARD_TARGET must be host:port (got '$TARGET')" >&2; exit 1; }
case $PROTOCOL in
  tls) transport="protocol=\"tcp\" StreamDriver=\"gtls\" StreamDriverMode=\"1\" StreamDriverAuthMode=\"x509/name\" StreamDriverPermittedPeers=\"$host\" StreamDriver.CAFile=\"/etc/ssl/certs/ca-certificates.crt\"" ;;
  tcp) transport='protocol="tcp"' ;;
  udp) transport='protocol="udp"' ;;
  *) echo "log-forwarding: LOG_FORWARD_PROTOCOL must be tls, tcp or udp (got '$PROTOCOL')" >&2; exit 1 ;;
esac
mkdir -p "$(dirname "$CONF")"
cat >"$CONF" <<CONF
# Written by log-forwarding.sh (dw-deploy): everything to $TARGET over $PROTOCOL.
*.* action(type="omfwd" target="$host" port="$port" $transport
           queue.type="LinkedList" queue.filename="docker-worker-forward" queue.maxDiskSpace="1g"
           queue.saveOnShutdown="on" action.resumeRetryCount="-1")
CONF
log "forwarding to $TARGET over $PROTOCOL ($CONF)"
