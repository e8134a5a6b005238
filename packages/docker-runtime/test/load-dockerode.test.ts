import { execFile } from 'node:child_process';
import { dirname, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';

// jest keeps a module cache of its own, so the stand-ins are checked in a plain Node process,
// on the build (`pnpm build`), as the worker loads them.
const LOADER = resolve(dirname(fileURLToPath(import.meta.url)), '../dist/load-dockerode.js');

/** Runs `body` (an ES module) in a fresh Node process after loading dockerode through the loader; its stdout as JSON. */
async function inFreshProcess(body: string): Promise<Record<string, unknown>> {
  const script = `
    import { createRequire } from 'node:module';
    import http from 'node:http';
    import { DockerodeClass } from ${JSON.stringify(LOADER)};
    const require = createRequire(${JSON.stringify(LOADER)});
    const fromDockerode = createRequire(require.resolve('dockerode'));
    const loaded = (pattern) => Object.keys(require.cache).some((key) => pattern.test(key));
    const out = {};
    ${body}
    process.stdout.write(JSON.stringify(out));
  `;
  const { stdout } = await promisify(execFile)(process.execPath, ['--input-type=module', '-e', script]);
  return JSON.parse(stdout) as Record<string, unknown>;
}

describe('loading dockerode', () => {
  it('leaves ssh2 and the BuildKit session modules unloaded until they are used', async () => {
    const out = await inFreshProcess(`
      out.client = typeof new DockerodeClass({ socketPath: '/nonexistent.sock' }).listContainers;
      out.ssh2 = loaded(/[\\\\/]ssh2[\\\\/]/);
      out.grpc = loaded(/[\\\\/]@grpc[\\\\/]/);
      out.protobufjs = loaded(/[\\\\/]protobufjs[\\\\/]/);
    `);
    expect(out).toEqual({ client: 'function', ssh2: false, grpc: false, protobufjs: false });
  });

  it('loads the real ssh module on its first call, and gives what it gives', async () => {
    const out = await inFreshProcess(`
      const path = fromDockerode.resolve('docker-modem/lib/ssh.js');
      const ssh = require(path);
      out.before = loaded(/[\\\\/]ssh2[\\\\/]/);
      // docker-modem's ssh module makes an http.Agent that dials through ssh2 (only when a request is made).
      const agent = ssh({ host: 'ssh.invalid' });
      out.agent = agent instanceof http.Agent;
      out.after = loaded(/[\\\\/]ssh2[\\\\/]/);
      out.cached = require(path) !== ssh && require(path) === require.cache[path].exports;
      // The stand-in, kept by whoever required it first, goes on calling the real one.
      out.again = ssh({ host: 'ssh.invalid' }) instanceof http.Agent;
    `);
    expect(out).toEqual({ before: false, agent: true, after: true, cached: true, again: true });
  });

  it('loads the real BuildKit session module on its first call, which reports a failed dial', async () => {
    const out = await inFreshProcess(`
      const withSession = require(fromDockerode.resolve('./session.js'));
      out.before = loaded(/[\\\\/]@grpc[\\\\/]/);
      const docker = { modem: { dial: (_options, callback) => callback(new Error('no engine here')) } };
      out.error = await new Promise((resolve) => withSession(docker, undefined, (err) => resolve(err && err.message)));
      out.after = loaded(/[\\\\/]@grpc[\\\\/]grpc-js[\\\\/]/);
    `);
    expect(out).toEqual({ before: false, error: 'no engine here', after: true });
  });
});
