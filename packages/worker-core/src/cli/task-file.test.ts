import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { readTaskFile, TaskFileError } from './task-file.js';

const target = { provisionerId: 'local', workerType: 'docker-worker' };
const now = new Date('2026-05-01T00:00:00.000Z');

describe('readTaskFile', () => {
  let dir: string;
  beforeEach(async () => {
    dir = await mkdtemp(join(tmpdir(), 'dw-taskfile-'));
  });
  afterEach(async () => {
    await rm(dir, { recursive: true, force: true });
  });

  it('wraps a bare payload into a task for this worker', async () => {
    const file = join(dir, 'p.yml');
    await writeFile(file, 'image: busybox\nmaxRunTime: 10\n');
    const { taskId, definition } = await readTaskFile(file, target, now);
    expect(taskId).toMatch(/^[A-Za-z0-9_-]{22}$/);
    expect(definition.payload).toEqual({ image: 'busybox', maxRunTime: 10 });
    expect(definition.provisionerId).toBe('local');
    expect(definition.workerType).toBe('docker-worker');
    expect(definition.created).toBe(now.toISOString());
    expect(Date.parse(definition.deadline)).toBeGreaterThan(now.getTime());
    expect(definition.metadata.name).toBe('p.yml');
  });

  it('keeps a definition\'s scopes, metadata and retries, but not its dates or queue', async () => {
    const file = join(dir, 't.json');
    await writeFile(
      file,
      JSON.stringify({
        provisionerId: 'elsewhere',
        workerType: 'other',
        created: '2020-01-01T00:00:00.000Z',
        deadline: '2020-01-02T00:00:00.000Z',
        scopes: ['docker-worker:cache:x'],
        retries: 2,
        metadata: { name: 'named', description: 'd', owner: 'o@example.com', source: 'https://x' },
        payload: { image: 'busybox', maxRunTime: 1 },
      }),
    );
    const { definition } = await readTaskFile(file, target, now);
    expect(definition.provisionerId).toBe('local');
    expect(definition.created).toBe(now.toISOString());
    expect(definition.scopes).toEqual(['docker-worker:cache:x']);
    expect(definition.retries).toBe(2);
    expect(definition.metadata.name).toBe('named');
  });

  it('refuses what is not a task', async () => {
    const file = join(dir, 'list.yml');
    await writeFile(file, '- a\n- b\n');
    await expect(readTaskFile(file, target)).rejects.toThrow(TaskFileError);
    await expect(readTaskFile(join(dir, 'missing.yml'), target)).rejects.toThrow(/cannot read task file/);
    const bad = join(dir, 'bad.yml');
    await writeFile(bad, 'payload: 3\n');
    await expect(readTaskFile(bad, target)).rejects.toThrow(/payload must be a mapping/);
  });

  it('names each scope the queue would refuse (a NUL byte, a non-string) instead of leaving it to the queue', async () => {
    const file = join(dir, 'scopes.json');
    await writeFile(file, JSON.stringify({ scopes: ['fine:scope', 'a\u0000b', 7, 'caf\u00e9'], payload: { image: 'x', maxRunTime: 1 } }));
    await expect(readTaskFile(file, target)).rejects.toThrow(
      `task file ${file}:\n` +
        '  - scopes[1] ("a\\u0000b") may hold only printable ASCII characters, as every Taskcluster scope\n' +
        '  - scopes[2] must be a string (got 7)\n' +
        '  - scopes[3] ("café") may hold only printable ASCII characters, as every Taskcluster scope',
    );
    await writeFile(file, JSON.stringify({ scopes: 'one', payload: { image: 'x', maxRunTime: 1 } }));
    await expect(readTaskFile(file, target)).rejects.toThrow(/scopes must be a list of strings/);
  });
});

describe('readTaskFile with a large env', () => {
  let dir: string;
  beforeEach(async () => {
    dir = await mkdtemp(join(tmpdir(), 'dw-taskfile-'));
  });
  afterEach(async () => {
    await rm(dir, { recursive: true, force: true });
  });

  const KEYS = 50_000;
  const env = Object.fromEntries(Array.from({ length: KEYS }, (_, i) => [`VAR_${i}`, `value ${i}: "quoted" \\ and more`]));

  it('keeps every one of 50,000 env keys and its value, from JSON and from YAML', async () => {
    const json = join(dir, 'big.json');
    await writeFile(json, JSON.stringify({ payload: { image: 'busybox', maxRunTime: 10, env } }));
    const fromJson = await readTaskFile(json, target, now);
    expect(fromJson.definition.payload.env).toEqual(env);

    // Block style, and flow style (a JSON-like mapping with unquoted keys, which JSON.parse refuses).
    const block = join(dir, 'big.yml');
    await writeFile(block, `image: busybox\nmaxRunTime: 10\nenv:\n${Object.entries(env).map(([k, v]) => `  ${k}: ${JSON.stringify(v)}`).join('\n')}\n`);
    expect((await readTaskFile(block, target, now)).definition.payload).toEqual({ image: 'busybox', maxRunTime: 10, env });
    const flow = join(dir, 'flow.yml');
    await writeFile(flow, `{image: busybox, maxRunTime: 10, env: {${Object.entries(env).map(([k, v]) => `${k}: ${JSON.stringify(v)}`).join(', ')}}}\n`);
    expect((await readTaskFile(flow, target, now)).definition.payload).toEqual({ image: 'busybox', maxRunTime: 10, env });
  });

  it('refuses a YAML key given twice, naming it and its line, in a large mapping as in a small one', async () => {
    const file = join(dir, 'dup.yml');
    const lines = Object.keys(env).map((k) => `  ${k}: x`);
    lines.splice(40_000, 0, '  VAR_7: again');
    await writeFile(file, `image: busybox\nmaxRunTime: 10\nenv:\n${lines.join('\n')}\n`);
    await expect(readTaskFile(file, target)).rejects.toThrow(`task file ${file} is not valid YAML or JSON: Map keys must be unique: "VAR_7" is given again at line 40004`);
    await writeFile(file, 'image: a\nmaxRunTime: 1\nimage: b\n');
    await expect(readTaskFile(file, target)).rejects.toThrow(/"image" is given again at line 3/);
  });

  it('reads a JSON key given twice as the queue would (the last one), and still names YAML syntax errors', async () => {
    const file = join(dir, 'dup.json');
    await writeFile(file, '{"image": "a", "maxRunTime": 1, "image": "b"}');
    expect((await readTaskFile(file, target)).definition.payload).toEqual({ image: 'b', maxRunTime: 1 });
    await writeFile(file, '{"image": "a", "maxRunTime": 1');
    await expect(readTaskFile(file, target)).rejects.toThrow(/is not valid YAML or JSON: Flow map must end with a \} at line 1/);
  });
});
