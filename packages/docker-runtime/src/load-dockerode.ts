import Module, { createRequire } from 'node:module';
import type Dockerode from 'dockerode';

/**
 * dockerode, loaded without the two parts of it the worker never uses, which would otherwise
 * cost every start of the worker about 100 ms of CPU (measured; docs/benchmarks.md):
 *
 * - docker-modem's `lib/ssh.js`, which requires ssh2 (for `DOCKER_HOST=ssh://...`);
 * - dockerode's `lib/session.js`, which requires @grpc/grpc-js and @grpc/proto-loader (with
 *   protobufjs) for BuildKit sessions.
 *
 * Both modules export one function, which their package calls only when it connects over ssh
 * or builds with a session. Before dockerode is required, each gets a stand-in in the CommonJS
 * module cache: a function that requires the real module the first time it is called and calls
 * it, so whoever does use ssh or sessions gets exactly what they had, only loaded later. Where
 * a module is not found (another dockerode version), it is left to load as it always did.
 */
const require = createRequire(import.meta.url);

/** Resolves as dockerode's own `require` does (docker-modem is its dependency, not ours). */
const dockerodeRequire = createRequire(require.resolve('dockerode'));

/** The modules stood in for, as dockerode (lib/docker.js) names them. */
const LAZY_PARTS = ['docker-modem/lib/ssh.js', './session.js'];

function resolved(request: string): string | undefined {
  try {
    return dockerodeRequire.resolve(request);
  } catch {
    return undefined;
  }
}

/** Puts a stand-in for the one-function CommonJS module at `path` into the module cache. */
export function standInFor(path: string): void {
  if (require.cache[path]) return;
  const standIn = new Module(path);
  standIn.filename = path;
  standIn.loaded = true;
  let real: ((...args: unknown[]) => unknown) | undefined;
  standIn.exports = function lazyPart(this: unknown, ...args: unknown[]): unknown {
    if (!real) {
      // Out of the cache first, so the require below loads the module itself (and caches it).
      if (require.cache[path] === standIn) delete require.cache[path];
      real = require(path) as (...args: unknown[]) => unknown;
    }
    return real.apply(this, args);
  };
  require.cache[path] = standIn;
}

for (const request of LAZY_PARTS) {
  const path = resolved(request);
  if (path) standInFor(path);
}

/** The dockerode class, required after the stand-ins are in place. */
export const DockerodeClass = require('dockerode') as typeof Dockerode;
