import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { ConfigError } from './config-error.js';
import { configFromEnv } from './env-overrides.js';
import { loadConfig } from './load-config.js';

describe('configFromEnv', () => {
  it('maps Taskcluster variables and DW_ keys with __ nesting', () => {
    expect(
      configFromEnv({
        TASKCLUSTER_ROOT_URL: 'https://tc.example.com',
        TASKCLUSTER_CLIENT_ID: 'me',
        TASKCLUSTER_ACCESS_TOKEN: 'secret',
        DW_CAPACITY: '4',
        DW_TASK_QUEUE__POLL_INTERVAL: '1000',
        DW_FEATURES: '{"localLiveLog":{"port":1}}',
        DW_PROFILE: 'production',
        UNRELATED: 'x',
      }),
    ).toEqual({
      rootUrl: 'https://tc.example.com',
      taskcluster: { clientId: 'me', accessToken: 'secret' },
      capacity: '4',
      taskQueue: { pollInterval: '1000' },
      features: { localLiveLog: { port: 1 } },
    });
  });
});

describe('loadConfig', () => {
  let dir: string;
  beforeEach(async () => {
    dir = await mkdtemp(join(tmpdir(), 'dw-config-'));
  });
  afterEach(async () => {
    await rm(dir, { recursive: true, force: true });
  });

  it('needs no file: every key has a default', async () => {
    const config = await loadConfig({ env: {} });
    expect(config.capacity).toBe(1);
    expect(config.workerNodeType).toBe('standalone');
    expect(config.rootUrl).toBeUndefined();
  });

  it('file < environment < CLI flags, with coercion of string values', async () => {
    const file = join(dir, 'c.yml');
    await writeFile(file, 'capacity: 2\nworkerId: from-file\nworkerGroup: group-file\n');
    const config = await loadConfig({ file, env: { DW_CAPACITY: '3', DW_WORKER_ID: 'from-env' }, overrides: { workerId: 'from-flag' } });
    expect(config.capacity).toBe(3);
    expect(config.workerId).toBe('from-flag');
    expect(config.workerGroup).toBe('group-file');
  });

  it('reads JSON files too', async () => {
    const file = join(dir, 'c.json');
    await writeFile(file, JSON.stringify({ capacity: 5 }));
    expect((await loadConfig({ file, env: {} })).capacity).toBe(5);
  });

  it('applies a profile over defaults', async () => {
    const file = join(dir, 'c.yml');
    await writeFile(file, 'defaults:\n  capacity: 1\n  workerGroup: base\nproduction:\n  capacity: 8\n');
    const config = await loadConfig({ file, profile: 'production', env: {} });
    expect(config.capacity).toBe(8);
    expect(config.workerGroup).toBe('base');
    await expect(loadConfig({ file, profile: 'nope', env: {} })).rejects.toThrow(/profile "nope" is not in .*production/);
  });

  it('names the bad key and the file', async () => {
    const file = join(dir, 'c.yml');
    await writeFile(file, 'capacity: -1\ntaskQueue:\n  pollIntervall: 5\nworkerType: Upper_Case\n');
    const error = await loadConfig({ file, env: {} }).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(ConfigError);
    const message = (error as Error).message;
    expect(message).toContain(file);
    expect(message).toContain('pollIntervall');
    expect(message).toContain('capacity');
    expect(message).toContain('workerType');
  });

  it('checks rules that span keys', async () => {
    await expect(loadConfig({ env: {}, overrides: { pulse: { password: 'x' } } })).rejects.toThrow(/pulse needs either pulse\.url or pulse\.hostname and pulse\.username/);
    const config = await loadConfig({ env: { DW_PULSE__URL: 'amqp://guest:guest@127.0.0.1:5672' } });
    expect(config.pulse?.url).toBe('amqp://guest:guest@127.0.0.1:5672');
  });

  it('says when the file is missing or not YAML', async () => {
    await expect(loadConfig({ file: join(dir, 'missing.yml'), env: {} })).rejects.toThrow(/cannot read config file .*missing\.yml/);
    const file = join(dir, 'bad.yml');
    await writeFile(file, 'capacity: [1,\n');
    await expect(loadConfig({ file, env: {} })).rejects.toThrow(/not valid YAML or JSON/);
  });
});
