#!/usr/bin/env bash
# Base image, step 1: system packages. Ubuntu 24.04 (the production OS) or Debian 12, as root.
# Also run by the Vagrant box's provisioning (vagrant/provision.sh).
set -euo pipefail
export DEBIAN_FRONTEND=noninteractive
log() { echo "base-packages: $*"; }

# shellcheck source=/dev/null
. /etc/os-release
log "on $PRETTY_NAME"
apt-get update -q
apt-get upgrade -y -q -o Dpkg::Options::=--force-confold
packages=(
  docker.io            # the Engine the worker drives over its API (distribution package: no third-party repository)
  btrfs-progs lvm2 e2fsprogs util-linux   # docker-worker-disks: btrfs or LVM + ext4 over the instance storage
  curl ca-certificates xz-utils jq        # node.sh, docker-worker-instance-env
  rsyslog rsyslog-gnutls                   # log forwarding (log-forwarding.sh)
  kmod
)
log "installing ${packages[*]}"
apt-get install -y -q --no-install-recommends "${packages[@]}"
systemctl enable docker.service
# cloud-init's fstab line for the ephemeral disk would fight docker-worker-disks over /mnt.
sed -i '\#[[:space:]]/mnt[[:space:]]#d' /etc/fstab
apt-get clean
