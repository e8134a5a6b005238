#!/usr/bin/env bash
# Installs the `docker-worker` command: a small launcher in DIR (default /usr/local/bin) that
# runs this checkout's built worker with the node found now, from whatever directory it is
# typed in, so relative paths are the caller's and no package manager prints around it.
set -euo pipefail
repo="$(cd "$(dirname "$0")/.." && pwd)"
dir="${1:-/usr/local/bin}"
node="$(command -v node)" || { echo "install-command: node is not on PATH" >&2; exit 1; }
bin="$repo/packages/worker-core/dist/bin/worker.js"
[ -f "$bin" ] || { echo "install-command: $bin is missing: build first (pnpm build)" >&2; exit 1; }
mkdir -p "$dir"
tmp="$(mktemp "$dir/.docker-worker.XXXXXX")"
printf '#!/usr/bin/env bash\n# Installed by %s/scripts/install-command.sh\nexec %q %q "$@"\n' "$repo" "$node" "$bin" >"$tmp"
chmod 755 "$tmp"
mv -f "$tmp" "$dir/docker-worker"
echo "[install-command] $dir/docker-worker runs $bin"
