import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Readable } from 'node:stream';
import { parseTaskFile, readTaskFile, readTaskText, TaskFileError } from './task-file.js';
import { creationOrder, listLines, withDependencies } from './task-plan.js';

const target = { provisionerId: 'local', workerType: 'docker-worker' };
const now = new Date('2026-05-01T00:00:00.000Z');
const DAY = 24 * 3600 * 1000;

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
    expect(definition.metadata.source).toBe(`file://${file}`);
  });

  it("keeps a definition's scopes, metadata, routes and retries, but not its queue; its dates move to now", async () => {
    const file = join(dir, 't.json');
    await writeFile(
      file,
      JSON.stringify({
        provisionerId: 'elsewhere',
        workerType: 'other',
        created: '2020-01-01T00:00:00.000Z',
        deadline: '2020-01-02T00:00:00.000Z',
        scopes: ['docker-worker:cache:x'],
        routes: ['index.project.x'],
        retries: 2,
        metadata: { name: 'named', description: 'd', owner: 'o@example.com', source: 'https://x' },
        payload: { image: 'busybox', maxRunTime: 1 },
      }),
    );
    const { definition } = await readTaskFile(file, target, now);
    expect(definition.provisionerId).toBe('local');
    expect(definition.created).toBe(now.toISOString());
    expect(definition.deadline).toBe(new Date(now.getTime() + DAY).toISOString());
    expect(definition.scopes).toEqual(['docker-worker:cache:x']);
    expect(definition.routes).toEqual(['index.project.x']);
    expect(definition.retries).toBe(2);
    expect(definition.metadata.name).toBe('named');
  });

  it("moves artifact expiry dates with the task's own (now - created), so a copied production task runs unchanged", () => {
    const text = JSON.stringify({
      created: '2024-03-01T10:00:00.000Z',
      deadline: '2024-03-02T10:00:00.000Z',
      expires: '2025-03-01T10:00:00.000Z',
      payload: {
        image: 'busybox',
        maxRunTime: 1,
        artifacts: {
          'public/a': { type: 'file', path: '/a', expires: '2024-06-01T10:00:00.000Z' },
          'public/b': { type: 'file', path: '/b' },
          'public/c': { type: 'file', path: '/c', expires: 'not a date' },
        },
      },
    });
    const { tasks, problems } = parseTaskFile(text, '/x/t.json', target, now);
    expect(problems).toEqual([]);
    const { definition } = tasks[0]!;
    const shift = now.getTime() - Date.parse('2024-03-01T10:00:00.000Z');
    expect(definition.deadline).toBe(new Date(Date.parse('2024-03-02T10:00:00.000Z') + shift).toISOString());
    expect(definition.expires).toBe(new Date(Date.parse('2025-03-01T10:00:00.000Z') + shift).toISOString());
    const artifacts = definition.payload.artifacts as Record<string, { expires?: string }>;
    expect(artifacts['public/a']!.expires).toBe(new Date(Date.parse('2024-06-01T10:00:00.000Z') + shift).toISOString());
    expect(artifacts['public/b']!.expires).toBeUndefined();
    // Left for payload validation to name.
    expect(artifacts['public/c']!.expires).toBe('not a date');
  });

  it('refuses task keys the queue would refuse, with a did-you-mean, listing every one', () => {
    const text = 'scope: [a]\nmetdata: {name: x}\nmetadata: {nme: y}\nzzzzzzzzzz: 1\npayload: {image: busybox, maxRunTime: 1}\n';
    const { tasks, problems } = parseTaskFile(text, '/x/t.yml', target, now);
    expect(tasks).toEqual([]);
    expect(problems).toEqual([
      '/x/t.yml: scope is not a task field the queue accepts (did you mean "scopes"?)',
      '/x/t.yml: metdata is not a task field the queue accepts (did you mean "metadata"?)',
      expect.stringMatching(/^\/x\/t\.yml: zzzzzzzzzz is not a task field the queue accepts \(it takes: taskQueueId, .*, extra, taskId\)$/),
      '/x/t.yml: metadata.nme is not a task field the queue accepts (did you mean "metadata.name"?)',
    ]);
  });

  it('refuses what is not a task, naming the resolved path', async () => {
    const file = join(dir, 'list.yml');
    await writeFile(file, '- a\n- b\n');
    await expect(readTaskFile(file, target)).rejects.toThrow(TaskFileError);
    await expect(readTaskFile(join(dir, 'missing.yml'), target)).rejects.toThrow(`cannot read task file ${join(dir, 'missing.yml')}: no such file`);
    await expect(readTaskFile(dir, target)).rejects.toThrow(`cannot read task file ${dir}: it is a directory`);
    const bad = join(dir, 'bad.yml');
    await writeFile(bad, 'payload: 3\n');
    await expect(readTaskFile(bad, target)).rejects.toThrow(/payload must be a mapping/);
    await writeFile(bad, 'payload: [\n');
    await expect(readTaskFile(bad, target)).rejects.toThrow(`task file ${bad} is not valid YAML or JSON`);
  });

  it('names each scope the queue would refuse (a NUL byte, a non-string) instead of leaving it to the queue', async () => {
    const file = join(dir, 'scopes.json');
    await writeFile(file, JSON.stringify({ scopes: ['fine:scope', 'a\u0000b', 7, 'caf\u00e9'], payload: { image: 'x', maxRunTime: 1 } }));
    await expect(readTaskFile(file, target)).rejects.toThrow(
      'the task file has 3 problems:\n' +
        `  - ${file}: scopes[1] ("a\\u0000b") may hold only printable ASCII characters, as every Taskcluster scope\n` +
        `  - ${file}: scopes[2] must be a string (got 7)\n` +
        `  - ${file}: scopes[3] ("café") may hold only printable ASCII characters, as every Taskcluster scope`,
    );
    await writeFile(file, JSON.stringify({ scopes: 'one', payload: { image: 'x', maxRunTime: 1 } }));
    await expect(readTaskFile(file, target)).rejects.toThrow(`${file}: scopes must be a list of strings`);
  });

  it('reads - from stdin', async () => {
    const read = await readTaskText('-', Readable.from([Buffer.from('image: busybox\n'), Buffer.from('maxRunTime: 5\n')]));
    expect(read).toEqual({ text: 'image: busybox\nmaxRunTime: 5\n', where: 'stdin' });
    const { tasks } = parseTaskFile(read.text, read.where, target, now);
    expect(tasks[0]!.definition.metadata.name).toBe('stdin');
    expect(tasks[0]!.definition.metadata.source).toBe('stdin');
  });

  it('drops the dependencies of a single task with a warning', () => {
    const { tasks, warnings } = parseTaskFile('dependencies: [abc]\npayload: {image: x, maxRunTime: 1}\n', '/t.yml', target, now);
    expect(tasks[0]!.definition.dependencies).toEqual([]);
    expect(warnings).toEqual([expect.stringContaining('dependencies ignored')]);
  });
});

describe('a file of tasks', () => {
  const file = (tasks: unknown[]) => JSON.stringify({ version: 1, tasks });
  const task = (taskId: string | undefined, extra: Record<string, unknown> = {}) => ({ ...(taskId && { taskId }), metadata: { name: `${taskId ?? 'anon'} name`, description: '', owner: 'a@b.c', source: 'https://x' }, payload: { image: 'busybox', maxRunTime: 1 }, ...extra });

  it('gives each a fresh taskId, one task group, and rewrites dependencies named in the file', () => {
    const contents = parseTaskFile(file([task('build'), task('test', { dependencies: ['build'] }), task(undefined, { dependencies: ['test', 'build'], requires: 'all-resolved' })]), '/f.yml', target, now);
    expect(contents.problems).toEqual([]);
    expect(contents.many).toBe(true);
    const [build, testTask, report] = contents.tasks;
    expect(new Set([build!.taskId, testTask!.taskId, report!.taskId]).size).toBe(3);
    expect(testTask!.definition.dependencies).toEqual([build!.taskId]);
    expect(report!.label).toBe('anon name');
    expect(report!.definition.dependencies).toEqual([testTask!.taskId, build!.taskId]);
    expect(report!.definition.requires).toBe('all-resolved');
    expect(new Set(contents.tasks.map((t) => t.definition.taskGroupId)).size).toBe(1);
    expect(listLines(contents.tasks)).toEqual([
      'build  image "busybox"',
      'test  image "busybox"  needs build (all-completed)',
      'anon name  image "busybox"  needs test, build (all-resolved)',
    ]);
    expect(withDependencies(contents.tasks, 'test').map((t) => t.label)).toEqual(['build', 'test']);
    expect(() => withDependencies(contents.tasks, 'tset')).toThrow('no task named "tset" in the file (its tasks: build, test, anon name)');
  });

  it('orders them for creation (dependencies first) and names a cycle', () => {
    const contents = parseTaskFile(file([task('c', { dependencies: ['b'] }), task('b', { dependencies: ['a'] }), task('a')]), '/f.yml', target, now);
    expect(creationOrder(contents.tasks).ordered.map((t) => t.label)).toEqual(['a', 'b', 'c']);
    const cyclic = parseTaskFile(file([task('a', { dependencies: ['b'] }), task('b', { dependencies: ['a'] })]), '/f.yml', target, now);
    expect(creationOrder(cyclic.tasks).problems).toEqual(['the tasks depend on each other in a circle, so none of them could ever run: a → b → a']);
  });

  it('names every bad entry: not a task, an unknown dependency, a duplicate name, a task-level typo', () => {
    const contents = parseTaskFile(file(['nope', task('a', { dependencies: ['zz'] }), task('a'), task('b', { scope: [] })]), '/f.yml', target, now);
    expect(contents.problems).toEqual([
      '/f.yml: tasks[0] must be a task definition (a mapping with a payload)',
      '/f.yml: tasks[2]: another task is named "a" too; give each a taskId',
      '/f.yml: tasks[3]: scope is not a task field the queue accepts (did you mean "scopes"?)',
      '/f.yml: task "a" depends on "zz", which is not a task of the file (known: a)',
    ]);
    expect(parseTaskFile('tasks: []\n', '/f.yml', target, now).problems).toEqual(['/f.yml: tasks must be a non-empty list of task definitions']);
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
