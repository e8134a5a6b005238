import { mkdir, mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { callerDir, fromCaller } from './caller-dir.js';
import { assignment, parseMount, readRunInputs, RunInputError } from './run-inputs.js';

describe('--env, --env-file, --secret, --secret-file', () => {
  let dir: string;
  let env: NodeJS.ProcessEnv;
  beforeEach(async () => {
    dir = await mkdtemp(join(tmpdir(), 'dw-run-inputs-'));
    // As `pnpm worker` sets it: paths resolve against the caller's directory.
    env = { npm_lifecycle_event: 'worker', INIT_CWD: dir, FROM_SHELL: 'inherited' };
  });
  afterEach(async () => {
    await rm(dir, { recursive: true, force: true });
  });

  it('adds env files, then --env, then secret files, then --secret (later wins); secrets are the values to mask', async () => {
    await writeFile(join(dir, '.env'), '# a comment\nA=from-file\nB="quoted value"\nexport C=exported\n');
    await writeFile(join(dir, 'secrets.env'), 'TOKEN=tok-123\nA=secret-a\n');
    const inputs = await readRunInputs({ envFile: ['.env'], env: ['B=flag', 'EMPTY=', 'FROM_SHELL'], secretFile: ['secrets.env'], secret: ['PASS=p=w'] }, env);
    expect(inputs.env).toEqual({ A: 'secret-a', B: 'flag', C: 'exported', EMPTY: '', FROM_SHELL: 'inherited', TOKEN: 'tok-123', PASS: 'p=w' });
    expect(inputs.secrets.sort()).toEqual(['p=w', 'secret-a', 'tok-123']);
    expect(inputs.mounts).toEqual([]);
  });

  it('names the bad part of a bad assignment', () => {
    expect(() => assignment('--env', '=x', env)).toThrow('--env "=x": the name before "=" is empty');
    expect(() => assignment('--env', '1A=x', env)).toThrow('--env "1A=x": "1A" is not a variable name');
    expect(() => assignment('--secret', 'UNSET', env)).toThrow('--secret UNSET: give NAME=VALUE, or set UNSET in your environment');
    expect(() => assignment('--env', 'A B=x', env)).toThrow(RunInputError);
  });

  it('refuses an empty secret, and a missing file naming its resolved path', async () => {
    await expect(readRunInputs({ secret: ['TOKEN='] }, env)).rejects.toThrow('secret TOKEN is empty: there is nothing to mask');
    await expect(readRunInputs({ envFile: ['nope.env'] }, env)).rejects.toThrow(`--env-file ${join(dir, 'nope.env')}: no such file`);
    await expect(readRunInputs({ secretFile: ['.'] }, env)).rejects.toThrow(`--secret-file ${dir}: it is a directory`);
  });
});

describe('--mount', () => {
  let dir: string;
  let env: NodeJS.ProcessEnv;
  beforeAll(async () => {
    dir = await mkdtemp(join(tmpdir(), 'dw-mount-'));
    await mkdir(join(dir, 'src'));
    await writeFile(join(dir, 'file'), '');
    env = { npm_lifecycle_event: 'worker', INIT_CWD: dir };
  });
  afterAll(async () => {
    await rm(dir, { recursive: true, force: true });
  });

  it('binds a host directory, relative to the caller, read-write unless :ro', async () => {
    expect(await parseMount('src:/work', env)).toEqual({ hostPath: join(dir, 'src'), containerPath: '/work', readOnly: false });
    expect(await parseMount(`${join(dir, 'src')}:/work/./x/:ro`, env)).toEqual({ hostPath: join(dir, 'src'), containerPath: '/work/x/', readOnly: true });
    expect(await parseMount('src:/w:rw', env)).toMatchObject({ readOnly: false });
  });

  it.each([
    ['src', 'expected HOST:CONTAINER or HOST:CONTAINER:ro'],
    ['a:b:c:d', 'expected HOST:CONTAINER or HOST:CONTAINER:ro'],
    [':/work', 'the host directory (before the first ":") is empty'],
    ['src:work', 'the container path "work" must be absolute (start with /)'],
    ['src:/', 'the container path cannot be / (the container\'s root)'],
    ['src:/work:rx', 'the mode "rx" must be ro or rw'],
    ['missing:/work', 'the host directory /MISSING does not exist'],
    ['file:/work', '/FILE is not a directory'],
  ])('%s is refused: %s', async (spec, message) => {
    const expected = message.replace('/MISSING', join(dir, 'missing')).replace('/FILE', join(dir, 'file'));
    await expect(parseMount(spec, env)).rejects.toThrow(`--mount ${JSON.stringify(spec)}: ${expected}`);
  });
});

describe('the caller directory', () => {
  it('is INIT_CWD under `pnpm worker` only, since any process under pnpm inherits INIT_CWD', () => {
    expect(callerDir({ npm_lifecycle_event: 'worker', INIT_CWD: '/home/me/project' })).toBe('/home/me/project');
    expect(callerDir({ npm_lifecycle_event: 'test', INIT_CWD: '/home/me/project' })).toBe(process.cwd());
    expect(callerDir({})).toBe(process.cwd());
    expect(fromCaller('task.yml', { npm_lifecycle_event: 'worker', INIT_CWD: '/home/me' })).toBe('/home/me/task.yml');
    expect(fromCaller('/abs/task.yml', { npm_lifecycle_event: 'worker', INIT_CWD: '/home/me' })).toBe('/abs/task.yml');
    expect(fromCaller('-')).toBe('-');
  });
});
