#!/usr/bin/env bash
# Provisions the Vagrant box (see the Vagrantfile) like a production host: the base image's own
# scripts for packages, Node.js and kernel modules, the modprobe and modules-load files of
# deploy/template exactly as the image installs them, then pnpm. Safe to run again
# (`vagrant provision`).
set -euo pipefail
REPO=${REPO:-/vagrant}
export NODE_VERSION=${NODE_VERSION:-20.20.2}
PNPM_VERSION=${PNPM_VERSION:-12.4.2}
SCRIPTS="$REPO/deploy/packer/scripts"
log() { echo "provision: $*"; }

bash "$SCRIPTS/base-packages.sh"
bash "$SCRIPTS/node.sh"
bash "$SCRIPTS/kernel-modules.sh"

# One copy of each file, the one production uses (the original's vagrant.sh overwrote its own).
install -m 644 "$REPO/deploy/template/root/etc/modprobe.d/docker-worker.conf" /etc/modprobe.d/docker-worker.conf
install -m 644 "$REPO/deploy/template/root/etc/modules-load.d/docker-worker.conf" /etc/modules-load.d/docker-worker.conf
for module in v4l2loopback snd-aloop; do
  if lsmod | grep -q "^${module//-/_} "; then
    log "$module already loaded"
  else
    modprobe "$module"
    log "loaded $module"
  fi
done
log "$(find /dev -maxdepth 1 -name 'video*' | wc -l) video devices, $(find /dev/snd -maxdepth 1 -name 'controlC*' | wc -l) sound cards"

if [ "$(pnpm --version 2>/dev/null || true)" != "$PNPM_VERSION" ]; then
  log "installing pnpm $PNPM_VERSION"
  /usr/local/bin/npm install -g --silent "pnpm@$PNPM_VERSION"
fi
usermod -aG docker vagrant 2>/dev/null || true
log "ready: vagrant ssh -c 'cd $REPO && sudo ./scripts/test.sh'"
