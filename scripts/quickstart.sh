#!/usr/bin/env bash
# Runs the example tasks in examples/ with `worker run`: each on the embedded queue and the
# real Docker engine, its log printed as it runs, then its result.
set -uo pipefail
cd "$(dirname "$0")/.."
bash scripts/bootstrap.sh || exit 1

# bootstrap.sh installed it; a PATH without /usr/local/bin still finds it.
docker_worker="$(command -v docker-worker || echo /usr/local/bin/docker-worker)"

status=0
for example in examples/hello-world.yml examples/env-variables.yml examples/failing-exit-code.yml; do
  printf '\n\033[1m$ docker-worker run %s\033[0m\n' "$example"
  "$docker_worker" run "$example"
  code=$?
  expected=0
  [ "$example" = examples/failing-exit-code.yml ] && expected=1
  if [ "$code" = "$expected" ]; then
    echo "(exit status $code, as expected)"
  else
    echo "(exit status $code, expected $expected)"
    status=1
  fi
done
exit $status
