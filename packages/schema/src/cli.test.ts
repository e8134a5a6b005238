import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { runCli, type CliIo } from './cli.js';

interface Captured {
  code: number;
  stdout: string;
  stderr: string;
}

let dir: string;

beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), 'dw-schema-cli-'));
});

afterAll(async () => {
  await rm(dir, { recursive: true, force: true });
});

async function run(args: string[], stdin = ''): Promise<Captured> {
  let stdout = '';
  let stderr = '';
  const io: CliIo = {
    stdout: (text) => (stdout += `${text}\n`),
    stderr: (text) => (stderr += `${text}\n`),
    readFile: (path) => readFile(path, 'utf8'),
    readStdin: async () => stdin,
  };
  const code = await runCli(args, io);
  return { code, stdout, stderr };
}

async function file(name: string, content: unknown): Promise<string> {
  const path = join(dir, name);
  await writeFile(path, typeof content === 'string' ? content : JSON.stringify(content));
  return path;
}

describe('dw-schema', () => {
  it('exits 0 for a valid payload file', async () => {
    const path = await file('ok.json', { image: 'ubuntu', maxRunTime: 60, command: ['true'] });
    const out = await run(['validate', 'payload', path]);
    expect(out).toMatchObject({ code: 0, stderr: '' });
    expect(out.stdout).toContain('valid task payload');
  });

  it('accepts unknown top-level keys with a warning each, naming the field meant', async () => {
    const path = await file('typo.json', { image: 'ubuntu', maxRunTime: 60, maxRuntime: 600 });
    const out = await run(['validate', 'payload', path]);
    expect(out.code).toBe(0);
    expect(out.stdout).toContain('valid task payload');
    expect(out.stderr).toBe(`${path}: warning: payload.maxRuntime is not a payload field; it is ignored (did you mean "maxRunTime"?)\n`);
  });

  it('exits 1 and prints every problem for an invalid payload', async () => {
    const path = await file('bad.json', { image: { type: 'docker-image' }, maxRunTime: 'hello' });
    const out = await run(['validate', 'payload', path]);
    expect(out.code).toBe(1);
    expect(out.stderr).toContain('2 problems');
    expect(out.stderr).toContain('payload.image.name is required');
    expect(out.stderr).toContain('payload.maxRunTime must be an integer (got "hello")');
  });

  it('reads stdin for "-", and checks the payload of a whole task definition', async () => {
    const task = { provisionerId: 'p', workerType: 'w', payload: { image: 'ubuntu', maxRunTime: 0 } };
    const out = await run(['validate', 'payload', '-'], JSON.stringify(task));
    expect(out.code).toBe(1);
    expect(out.stderr).toContain('of a task definition');
    expect(out.stderr).toContain('payload.maxRunTime must be at least 1 (got 0)');
    expect((await run(['validate', 'payload', '-'], JSON.stringify({ ...task, payload: { image: 'u', maxRunTime: 1 } }))).code).toBe(0);
  });

  it('exits 1 for a file that is not JSON', async () => {
    const path = await file('broken.json', '{"image": ');
    const out = await run(['validate', 'payload', path]);
    expect(out.code).toBe(1);
    expect(out.stderr).toContain('not valid JSON');
  });

  it('validates configs, and prints the resolved config on request', async () => {
    const good = await file('config.json', { capacity: '2' });
    expect((await run(['validate', 'config', good])).code).toBe(0);
    const resolved = await run(['validate', 'config', good, '--resolved']);
    expect(resolved.code).toBe(0);
    expect(JSON.parse(resolved.stdout)).toMatchObject({ capacity: 2, workerType: 'docker-worker' });

    const bad = await file('bad-config.json', { capacity: -1, taskQueue: { pollIntervall: 5 } });
    const out = await run(['validate', 'config', bad]);
    expect(out.code).toBe(1);
    expect(out.stderr).toContain('capacity must be at least 1 (got -1)');
    expect(out.stderr).toContain('taskQueue.pollIntervall is not a known key');
  });

  it('prints the schemas as JSON', async () => {
    const payload = await run(['print', 'payload']);
    expect(payload.code).toBe(0);
    expect(JSON.parse(payload.stdout)).toMatchObject({ required: ['image', 'maxRunTime'] });
    const config = await run(['print', 'config']);
    expect(JSON.parse(config.stdout)).toMatchObject({ additionalProperties: false });
  });

  it('prints usage with --help', async () => {
    const out = await run(['--help']);
    expect(out.code).toBe(0);
    expect(out.stdout).toContain('Usage:');
  });

  it.each([
    [[]],
    [['frobnicate']],
    [['validate']],
    [['validate', 'task', 'x.json']],
    [['validate', 'payload']],
    [['validate', 'payload', 'a.json', 'b.json']],
    [['validate', 'payload', 'a.json', '--resolved']],
    [['validate', 'payload', 'a.json', '--bogus']],
    [['print']],
    [['print', 'everything']],
    [['validate', 'payload', '/nonexistent/dir/task.json']],
  ])('exits 2 for %j', async (args) => {
    const out = await run(args);
    expect(out.code).toBe(2);
    expect(out.stderr).toContain('Usage:');
  });
});
