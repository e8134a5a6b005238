#!/usr/bin/env bash
# Base image, step 2: Node.js $NODE_VERSION from the official release tarball into /usr/local,
# checked against the release's SHASUMS256.txt (which really runs, unlike the original's md5 check).
# Also run by the Vagrant box's provisioning.
set -euo pipefail
NODE_VERSION=${NODE_VERSION:?set NODE_VERSION, e.g. 20.20.2}
log() { echo "node: $*"; }

if [ "$(/usr/local/bin/node --version 2>/dev/null || true)" = "v$NODE_VERSION" ]; then
  log "Node.js v$NODE_VERSION already installed"
  exit 0
fi
case $(uname -m) in
  x86_64) arch=x64 ;;
  aarch64) arch=arm64 ;;
  *) echo "node: no Node.js build for $(uname -m)" >&2; exit 1 ;;
esac
release="https://nodejs.org/dist/v$NODE_VERSION"
file="node-v$NODE_VERSION-linux-$arch.tar.xz"
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
log "downloading $release/$file"
curl -fsSL --retry 3 -o "$work/SHASUMS256.txt" "$release/SHASUMS256.txt"
curl -fsSL --retry 3 -o "$work/$file" "$release/$file"
# A missing line fails too: sha256sum -c exits non-zero when it has nothing to check.
(cd "$work" && grep "  $file\$" SHASUMS256.txt | sha256sum -c --strict -)
tar -xJf "$work/$file" -C /usr/local --strip-components=1 --no-same-owner \
  --exclude=CHANGELOG.md --exclude=LICENSE --exclude=README.md
installed=$(/usr/local/bin/node --version)
[ "$installed" = "v$NODE_VERSION" ] || { echo "node: installed $installed, expected v$NODE_VERSION" >&2; exit 1; }
log "installed Node.js $installed"
