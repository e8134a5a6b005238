#!/usr/bin/env bash
# Prepares this machine to run the worker and its tests, and does nothing that is already done:
# installs what is missing from Debian, starts dockerd, RabbitMQ and a local image registry on
# loopback, waits until each answers, and builds the local test images.
#
# Used by both README commands and by .ci/run. Safe to run again at any time.
set -euo pipefail

# Where the local registry listens and keeps its data. Tests and examples name images by these.
REGISTRY_PORT="${DW_REGISTRY_PORT:-5000}"
REGISTRY_DIR="${DW_REGISTRY_DIR:-/var/lib/docker-worker-test/registry}"
REGISTRY_USER="${DW_REGISTRY_USER:-dwtest}"
REGISTRY_PASSWORD="${DW_REGISTRY_PASSWORD:-dwtest-password}"
STATE_DIR=/var/lib/docker-worker-test
LOG_DIR=/var/log/docker-worker-test

say() { printf '[setup] %s\n' "$*"; }
die() { printf '[setup] ERROR: %s\n' "$*" >&2; exit 1; }

[ "$(id -u)" = 0 ] || die "this script installs system packages and starts dockerd: run it as root (sudo $0)."
command -v apt-get >/dev/null || die "apt-get not found: this script supports Debian/Ubuntu hosts only. Install docker.io, busybox-static, rabbitmq-server and docker-registry yourself, then run it again."
mkdir -p "$STATE_DIR" "$LOG_DIR"

# Wait until a command succeeds, up to $1 seconds.
wait_for() {
  local seconds=$1 what=$2; shift 2
  local i
  for ((i = 0; i < seconds * 4; i++)); do
    if "$@" >/dev/null 2>&1; then return 0; fi
    sleep 0.25
  done
  die "$what did not come up within ${seconds}s (logs in $LOG_DIR)"
}

# --- Debian packages ---------------------------------------------------------------------------
need=()
have_engine=0
if docker info >/dev/null 2>&1; then have_engine=1; fi
[ $have_engine = 1 ] || command -v dockerd >/dev/null || need+=(docker.io)
# The test images need a statically linked busybox (Debian's plain busybox is dynamic).
static_busybox() {
  [ -x /bin/busybox ] || return 1
  local out
  out=$(LC_ALL=C ldd /bin/busybox 2>&1 || true) # ldd exits 1 on a static binary
  [[ $out == *"not a dynamic executable"* ]]
}
static_busybox || need+=(busybox-static)
command -v rabbitmq-server >/dev/null || need+=(rabbitmq-server)
[ -x /usr/bin/docker-registry ] || need+=(docker-registry)
command -v htpasswd >/dev/null || need+=(apache2-utils)
command -v curl >/dev/null || need+=(curl)
# task-image artifacts compressed with zstd, lz4, bzip2 or xz are unpacked with these (gzip in process).
command -v zstd >/dev/null || need+=(zstd)
command -v lz4 >/dev/null || need+=(lz4)
command -v bzip2 >/dev/null || need+=(bzip2)
command -v xz >/dev/null || need+=(xz-utils)
# deploy-cli tests: packer validate, the disk script on loop devices, script and Vagrantfile checks.
command -v packer >/dev/null || need+=(packer)
[ -x /sbin/mkfs.btrfs ] || need+=(btrfs-progs)
[ -x /sbin/mkfs.ext4 ] || need+=(e2fsprogs)
command -v shellcheck >/dev/null || need+=(shellcheck)
command -v ruby >/dev/null || need+=(ruby)
command -v openssl >/dev/null || need+=(openssl)
command -v systemctl >/dev/null || need+=(systemd)
# worker-core's shell completion tests run the real zsh (and bash).
command -v zsh >/dev/null || need+=(zsh)
# feature-interactive's display tests: an image with Xvfb and x11vnc, from a Debian root file system.
command -v debootstrap >/dev/null || need+=(debootstrap)
# feature-interactive's build compiles dw-init, the static init of interactive containers.
{ command -v cc >/dev/null && compgen -G '/usr/lib/*/libc.a' >/dev/null; } || need+=(gcc libc6-dev)
# worker-core's metrics tests: each starts its own InfluxDB and Prometheus on loopback (no service).
command -v influxd >/dev/null || need+=(influxdb)
command -v prometheus >/dev/null || need+=(prometheus)
# worker-core's web view test drives Debian's chromium with playwright-core.
[ -x /usr/bin/chromium ] || need+=(chromium)
if [ ${#need[@]} -gt 0 ]; then
  say "installing from Debian: ${need[*]}"
  export DEBIAN_FRONTEND=noninteractive
  apt-get update -qq || die "apt-get update failed: is the Debian mirror reachable?"
  # policy-rc.d may forbid starting services at install time; we start them ourselves below.
  apt-get install -y -qq --no-install-recommends "${need[@]}" >"$LOG_DIR/apt.log" 2>&1 \
    || die "apt-get install ${need[*]} failed; see $LOG_DIR/apt.log"
else
  say "Debian packages already installed"
fi
static_busybox || die "/bin/busybox is not statically linked; install busybox-static"

# --- Docker engine -----------------------------------------------------------------------------
if docker info >/dev/null 2>&1; then
  say "Docker engine already running: using it as it is"
else
  # A dockerd that was killed leaves its pid file behind and the next start refuses.
  # (Its pid may since belong to another process, so check that the process is a dockerd.)
  if [ -f /var/run/docker.pid ] && [ "$(cat "/proc/$(cat /var/run/docker.pid)/comm" 2>/dev/null)" != dockerd ]; then
    say "removing stale /var/run/docker.pid"
    rm -f /var/run/docker.pid
  fi
  say "starting dockerd (log: $LOG_DIR/dockerd.log)"
  nohup dockerd >"$LOG_DIR/dockerd.log" 2>&1 &
  wait_for 60 "dockerd" docker info
  say "Docker engine is up"
fi

# --- RabbitMQ ----------------------------------------------------------------------------------
if rabbitmqctl -q status >/dev/null 2>&1; then
  say "RabbitMQ already running"
else
  say "starting RabbitMQ on 127.0.0.1:5672 (log: $LOG_DIR/rabbitmq.log)"
  # Loopback only; the default guest user may only log in from localhost, which is what we want.
  RABBITMQ_NODE_IP_ADDRESS=127.0.0.1 nohup rabbitmq-server >"$LOG_DIR/rabbitmq.log" 2>&1 &
  wait_for 90 "RabbitMQ" rabbitmqctl -q await_startup
  say "RabbitMQ is up"
fi

# --- Local image registry (htpasswd auth) ------------------------------------------------------
if curl -fs -o /dev/null -u "$REGISTRY_USER:$REGISTRY_PASSWORD" "http://127.0.0.1:$REGISTRY_PORT/v2/"; then
  say "registry already answering on 127.0.0.1:$REGISTRY_PORT"
else
  mkdir -p "$REGISTRY_DIR/data"
  htpasswd -Bbc "$REGISTRY_DIR/htpasswd" "$REGISTRY_USER" "$REGISTRY_PASSWORD" >/dev/null 2>&1
  cat >"$REGISTRY_DIR/config.yml" <<EOF
version: 0.1
log:
  level: warn
storage:
  filesystem:
    rootdirectory: $REGISTRY_DIR/data
  delete:
    enabled: true
http:
  addr: 127.0.0.1:$REGISTRY_PORT
auth:
  htpasswd:
    realm: docker-worker-test
    path: $REGISTRY_DIR/htpasswd
EOF
  say "starting docker-registry on 127.0.0.1:$REGISTRY_PORT (log: $LOG_DIR/registry.log)"
  nohup /usr/bin/docker-registry serve "$REGISTRY_DIR/config.yml" >"$LOG_DIR/registry.log" 2>&1 &
  wait_for 30 "docker-registry" curl -fs -o /dev/null -u "$REGISTRY_USER:$REGISTRY_PASSWORD" "http://127.0.0.1:$REGISTRY_PORT/v2/"
  say "registry is up"
fi

# --- Test images -------------------------------------------------------------------------------
# No image can be pulled from the internet here, so the images tasks use are made locally: a
# root filesystem of busybox-static, imported with `docker import`.
# Bump when the recipe changes, so machines that keep an older build make it again.
IMAGE_RECIPE=2
if [ "$(docker image inspect -f '{{index .Config.Labels "org.docker-worker.test-image"}}' dw-test/busybox:latest 2>/dev/null)" = "$IMAGE_RECIPE" ]; then
  say "image dw-test/busybox:latest already present"
else
  say "building image dw-test/busybox:latest from busybox-static"
  root=$(mktemp -d)
  trap 'rm -rf "$root"' EXIT
  mkdir -p "$root"/{bin,etc,tmp,root,proc,sys,dev}
  chmod 1777 "$root/tmp"
  cp /bin/busybox "$root/bin/busybox"
  for applet in $(/bin/busybox --list); do
    [ "$applet" = busybox ] || ln -sf busybox "$root/bin/$applet"
  done
  printf 'root:x:0:0:root:/root:/bin/sh\n' >"$root/etc/passwd"
  printf 'root:x:0:\n' >"$root/etc/group"
  tar -C "$root" -c . | docker import \
    -c 'ENV PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin' \
    -c 'CMD ["/bin/sh"]' -c "LABEL org.docker-worker.test-image=$IMAGE_RECIPE" - dw-test/busybox:latest >/dev/null
  rm -rf "$root"
  trap - EXIT
fi

# The interactive display tests need an X server and x11vnc in the task image: a minimal Debian
# (bookworm) root file system with xvfb and x11vnc, built once (about a minute) and kept.
X11_RECIPE=1
X11_MIRROR="${DW_DEBIAN_MIRROR:-http://deb.debian.org/debian}"
if [ "$(docker image inspect -f '{{index .Config.Labels "org.docker-worker.test-image"}}' dw-test/x11:latest 2>/dev/null)" = "x11-$X11_RECIPE" ]; then
  say "image dw-test/x11:latest already present"
else
  say "building image dw-test/x11:latest (debootstrap bookworm + xvfb x11vnc; log: $LOG_DIR/x11-image.log)"
  root=$(mktemp -d)
  # --one-file-system: never into anything still mounted in the chroot (its /proc, /dev).
  trap 'rm -rf --one-file-system "$root"' EXIT
  {
    debootstrap --variant=minbase bookworm "$root" "$X11_MIRROR" &&
      chroot "$root" env DEBIAN_FRONTEND=noninteractive apt-get install -y -q --no-install-recommends xvfb x11vnc &&
      chroot "$root" apt-get clean
  } >"$LOG_DIR/x11-image.log" 2>&1 || die "building dw-test/x11 failed; see $LOG_DIR/x11-image.log"
  rm -rf "${root:?}"/var/lib/apt/lists/*
  tar -C "$root" -c . | docker import \
    -c 'ENV PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin' \
    -c 'CMD ["/bin/sh"]' -c "LABEL org.docker-worker.test-image=x11-$X11_RECIPE" - dw-test/x11:latest >/dev/null
  rm -rf --one-file-system "$root"
  trap - EXIT
fi

say "ready: docker, rabbitmq (amqp://guest:guest@127.0.0.1:5672), registry 127.0.0.1:$REGISTRY_PORT ($REGISTRY_USER), images dw-test/busybox:latest, dw-test/x11:latest"
