#!/usr/bin/env bash
# Base image, step 3: the loopback kernel modules tasks' devices come from: v4l2loopback (DKMS,
# rebuilt to allow the 100 devices /etc/modprobe.d/docker-worker.conf asks for) and snd-aloop
# (Ubuntu ships it in linux-modules-extra). Stops the build when a module is missing, rather than
# leaving a fleet that silently offers no devices. Also run by the Vagrant box's provisioning.
set -euo pipefail
export DEBIAN_FRONTEND=noninteractive
log() { echo "kernel-modules: $*"; }
WANT_VIDEO_DEVICES=100

# shellcheck source=/dev/null
. /etc/os-release
kernel=$(uname -r)
packages=(dkms v4l2loopback-dkms "linux-headers-$kernel")
[ "$ID" != ubuntu ] || packages+=("linux-modules-extra-$kernel")
log "installing ${packages[*]} for kernel $kernel"
apt-get install -y -q --no-install-recommends "${packages[@]}"
# Headers of later kernels of the same flavour, so DKMS builds for them too (e.g. linux-headers-aws).
flavour=${kernel#*-*-}
if [ "$flavour" != "$kernel" ] && apt-get install -y -q --no-install-recommends "linux-headers-$flavour" >/dev/null 2>&1; then
  log "installed linux-headers-$flavour for future kernels"
fi

# v4l2loopback caps its device count at compile time (MAX_DEVICES, 8 in most releases).
for source in /usr/src/v4l2loopback-*/v4l2loopback.c; do
  [ -f "$source" ] || continue
  version=$(basename "$(dirname "$source")")
  version=${version#v4l2loopback-}
  max=$(sed -nE 's/^#define MAX_DEVICES ([0-9]+).*/\1/p' "$source" | head -n1)
  if [ -n "$max" ] && [ "$max" -lt "$WANT_VIDEO_DEVICES" ]; then
    log "v4l2loopback $version allows $max devices: rebuilding with MAX_DEVICES $WANT_VIDEO_DEVICES"
    sed -i -E "s/^#define MAX_DEVICES [0-9]+/#define MAX_DEVICES $WANT_VIDEO_DEVICES/" "$source"
    dkms remove "v4l2loopback/$version" --all >/dev/null 2>&1 || true
    dkms install "v4l2loopback/$version" -k "$kernel"
  fi
done

missing=()
for module in v4l2loopback snd-aloop; do
  if modinfo -k "$kernel" "$module" >/dev/null 2>&1; then log "$module: available for $kernel"; else missing+=("$module"); fi
done
if [ ${#missing[@]} -gt 0 ]; then
  echo "kernel-modules: ${missing[*]} not available for kernel $kernel; on Debian's cloud kernel snd-aloop is absent: use Ubuntu, or the generic linux-image-amd64" >&2
  exit 1
fi
depmod -a "$kernel"
