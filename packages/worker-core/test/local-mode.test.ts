/**
 * The task author's local mode through the installed `docker-worker` command: the real bin
 * launched by the launcher scripts/install-command.sh writes, the embedded queue over HTTP,
 * the real Docker engine.
 */
import { execFile, spawn } from 'node:child_process';
import { mkdir, mkdtemp, readFile, rm, stat, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { LABELS } from '@docker-worker/worker-contract';
import { TEST_IMAGE } from './harness.js';
import { installCommand, REPO, type CommandResult as Result } from './installed-command.js';

const runFile = promisify(execFile);

describe('docker-worker, installed, in a task author\'s directory', () => {
  let dir: string;
  let bin: string;
  let project: string;
  let env: NodeJS.ProcessEnv;

  /** The installed command, run from `cwd` (the author's project by default), stdin from `input`. */
  function dw(args: string[], options: { cwd?: string; input?: string; env?: Record<string, string> } = {}): Promise<Result> {
    return new Promise((done) => {
      const child = execFile(bin, args, { cwd: options.cwd ?? project, env: { ...env, ...options.env }, maxBuffer: 16 * 1024 * 1024, timeout: 120_000 }, (err, stdout, stderr) => {
        done({ code: err ? (typeof err.code === 'number' ? err.code : -1) : 0, stdout, stderr });
      });
      child.stdin!.end(options.input ?? '');
    });
  }

  beforeAll(async () => {
    dir = await mkdtemp(join(tmpdir(), 'dw-local-mode-'));
    project = join(dir, 'project');
    await mkdir(join(project, 'tasks'), { recursive: true });
    bin = await installCommand(join(dir, 'bin'));
    // Not under pnpm: nothing but the launcher decides the directory.
    const { INIT_CWD: _a, npm_lifecycle_event: _b, FORCE_COLOR: _c, NO_COLOR: _d, ...inherited } = process.env;
    env = { ...inherited, DW_WORK_DIR: join(dir, 'work') };
    await writeFile(join(project, 'tasks', 'hello.yml'), `image: ${TEST_IMAGE}\ncommand: [sh, -c, 'echo hello from the task']\nmaxRunTime: 60\n`);
  });
  afterAll(async () => {
    await rm(dir, { recursive: true, force: true });
  });

  it('runs a task file named relative to the directory it is typed in; stdout is the task log alone', async () => {
    const r = await dw(['run', 'tasks/hello.yml']);
    expect(r.code).toBe(0);
    expect(r.stdout).toContain('hello from the task\n');
    expect(r.stdout.trim().split('\n').pop()).toMatch(/Successful task run with exit code: 0 completed in/);
    expect(r.stdout).not.toMatch(/Live log:|^Task \S+ completed|ELIFECYCLE/m);
    expect(r.stdout).not.toContain('\x1b[');
    expect(r.stderr).toMatch(/^Live log: http/m);
    expect(r.stderr.trim().split('\n').pop()).toMatch(/^Task \S+ completed$/);
  });

  it('names the resolved path of a file it cannot read', async () => {
    const r = await dw(['run', 'tasks/nope.yml'], { cwd: join(project, 'tasks') });
    expect(r.code).toBe(3);
    expect(r.stderr).toBe(`worker: cannot read task file ${join(project, 'tasks', 'tasks', 'nope.yml')}: no such file\n`);
  });

  it('--version on every command', async () => {
    const version = (JSON.parse(await readFile(join(REPO, 'packages/worker-core/package.json'), 'utf8')) as { version: string }).version;
    for (const args of [['--version'], ['run', '--version'], ['validate', '--version'], ['start', '--version'], ['submit', '--version']]) {
      const r = await dw(args);
      expect([args, r.code, r.stdout]).toEqual([args, 0, `${version}\n`]);
    }
  });

  it('- reads the task from stdin', async () => {
    const r = await dw(['run', '-'], { input: `image: ${TEST_IMAGE}\ncommand: [sh, -c, 'echo from stdin']\nmaxRunTime: 60\n` });
    expect(r.code).toBe(0);
    expect(r.stdout).toContain('from stdin\n');
  });

  it('--env and --env-file add to payload.env; --secret and --secret-file too, masked in the printed, live and saved logs but not in what the task gets', async () => {
    await writeFile(join(project, '.env'), 'GREETING="hi there"\nSHARED=from-env-file\n');
    await writeFile(join(project, 'secrets.env'), 'API_KEY=key-0123456789\n');
    await writeFile(
      join(project, 'tasks', 'secret.yml'),
      [
        `image: ${TEST_IMAGE}`,
        'maxRunTime: 60',
        // The key printed whole, then in pieces with pauses (separate chunks of output), then
        // written to an artifact: the artifact keeps it, the log never shows it.
        `command: [sh, -c, 'echo "$GREETING $SHARED $PLAIN key=$API_KEY pass=$PASS"; printf "split key-0123"; sleep 0.3; printf "456789 end\\n"; mkdir -p /out; printf "%s" "$API_KEY" > /out/key; printf "%s" "$PASS" > /out/pass; sleep 2']`,
        'artifacts:',
        '  public/out: {type: directory, path: /out}',
      ].join('\n'),
    );
    const child = spawn(
      bin,
      ['run', '--env-file', '.env', '--env', 'PLAIN=plain', '--env', 'SHARED=from-flag', '--secret-file', 'secrets.env', '--secret', 'PASS=pa55word', '--artifacts-dir', 'out', 'tasks/secret.yml'],
      { cwd: project, env, stdio: ['ignore', 'pipe', 'pipe'] },
    );
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (c: Buffer) => (stdout += c.toString()));
    const liveUrl = new Promise<string>((found) => child.stderr.on('data', (c: Buffer) => {
      stderr += c.toString();
      const match = /^Live log: (\S+)$/m.exec(stderr);
      if (match) found(match[1]!);
    }));
    const exited = new Promise<number | null>((done) => child.once('exit', done));
    const live = await (await fetch(await liveUrl)).text();
    expect(await exited).toBe(0);
    for (const [where, text] of [['stdout', stdout], ['live log', live], ['saved backing log', await readFile(join(project, 'out/public/logs/live_backing.log'), 'utf8')]] as const) {
      expect([where, text]).toEqual([where, expect.stringContaining('hi there from-flag plain key=[masked] pass=[masked]\n')]);
      expect([where, text]).toEqual([where, expect.stringContaining('split [masked] end\n')]);
      expect([where, text.includes('0123456789') || text.includes('pa55word')]).toEqual([where, false]);
    }
    expect(await readFile(join(project, 'out/public/out/key'), 'utf8')).toBe('key-0123456789');
    expect(await readFile(join(project, 'out/public/out/pass'), 'utf8')).toBe('pa55word');
    expect(stderr).toContain(`saved ${join(project, 'out/public/out/key')}`);
  });

  it('refuses a bad --env, --secret or --mount before anything runs, naming the bad part', async () => {
    expect(await dw(['run', '--env', '=x', 'tasks/hello.yml'])).toMatchObject({ code: 3, stderr: 'worker: --env "=x": the name before "=" is empty\n' });
    expect(await dw(['run', '--secret', 'EMPTY=', 'tasks/hello.yml'])).toMatchObject({ code: 3, stderr: 'worker: secret EMPTY is empty: there is nothing to mask\n' });
    expect(await dw(['run', '--mount', 'nowhere:/src', 'tasks/hello.yml'])).toMatchObject({ code: 3, stderr: `worker: --mount "nowhere:/src": the host directory ${join(project, 'nowhere')} does not exist\n` });
    expect(await dw(['run', '--mount', '.:/src:rx', 'tasks/hello.yml'])).toMatchObject({ code: 3, stderr: 'worker: --mount ".:/src:rx": the mode "rx" must be ro or rw\n' });
  });

  it('--mount binds a host directory read-write, or read-only with :ro', async () => {
    await mkdir(join(project, 'checkout'), { recursive: true });
    await writeFile(join(project, 'checkout', 'README'), 'the working tree\n');
    await writeFile(join(project, 'tasks', 'mount.yml'), `image: ${TEST_IMAGE}\ncommand: [sh, -c, 'cat /src/README; echo built > /src/built.txt && echo wrote || echo "could not write"']\nmaxRunTime: 60\n`);
    const rw = await dw(['run', '--mount', 'checkout:/src', 'tasks/mount.yml']);
    expect(rw.code).toBe(0);
    expect(rw.stdout).toContain('the working tree\nwrote\n');
    expect(await readFile(join(project, 'checkout', 'built.txt'), 'utf8')).toBe('built\n');
    await rm(join(project, 'checkout', 'built.txt'));
    const ro = await dw(['run', '--mount', 'checkout:/src:ro', 'tasks/mount.yml']);
    expect(ro.code).toBe(0);
    expect(ro.stdout).toContain('could not write\n');
    await expect(stat(join(project, 'checkout', 'built.txt'))).rejects.toThrow(/ENOENT/);
  });

  it('--json prints one JSON object with the result; the log goes to stderr', async () => {
    const r = await dw(['run', '--json', '--artifacts-dir', 'json-out', 'tasks/hello.yml']);
    expect(r.code).toBe(0);
    const result = JSON.parse(r.stdout) as Record<string, unknown>;
    expect(result).toEqual({
      taskId: expect.stringMatching(/^[\w-]{22}$/),
      name: 'hello.yml',
      state: 'completed',
      runs: [expect.objectContaining({ runId: 0, state: 'completed', reasonResolved: 'completed' })],
      artifacts: expect.arrayContaining([join(project, 'json-out/public/logs/live_backing.log')]),
    });
    expect(r.stderr).toContain('hello from the task\n');
  });

  it('--timestamps prefixes each log line; colour only when forced on a pipe, never with NO_COLOR', async () => {
    const stamped = await dw(['run', '--timestamps', 'tasks/hello.yml']);
    expect(stamped.stdout).toMatch(/^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{3}Z hello from the task$/m);
    for (const line of stamped.stdout.trim().split('\n')) expect(line).toMatch(/^\d{4}-\d\d-\d\dT\S+Z /);
    const forced = await dw(['run', 'tasks/hello.yml'], { env: { FORCE_COLOR: '1' } });
    expect(forced.stdout).toContain('\x1b[36m[taskcluster ');
    expect(forced.stderr).toContain('\x1b[32mTask ');
    const plain = await dw(['run', 'tasks/hello.yml'], { env: { FORCE_COLOR: '1', NO_COLOR: '1' } });
    expect(plain.stdout + plain.stderr).not.toContain('\x1b[');
  });

  it('a payload refused before start: the footer claims no exit code', async () => {
    const r = await dw(['run', '-'], { input: `image: ${TEST_IMAGE}\nmaxRunTime: soon\n` });
    expect(r.code).toBe(2);
    expect(r.stdout).toMatch(/Unsuccessful task run: the task was not started, ended in [\d.]+ seconds\n$/);
    expect(r.stdout).not.toContain('exit code: -1');
  });

  it('a copied production task runs unchanged: its artifacts expire relative to its own dates', async () => {
    const task = {
      taskQueueId: 'proj-releng/b-linux',
      schedulerId: 'taskcluster-github',
      created: '2023-04-01T10:00:00.000Z',
      deadline: '2023-04-02T10:00:00.000Z',
      expires: '2024-04-01T10:00:00.000Z',
      retries: 5,
      routes: ['checks'],
      metadata: { name: 'copied', description: 'from production', owner: 'dev@example.com', source: 'https://example.com/repo' },
      payload: {
        image: TEST_IMAGE,
        maxRunTime: 60,
        command: ['sh', '-c', 'mkdir -p /out && echo result > /out/r.txt'],
        artifacts: { 'public/r.txt': { type: 'file', path: '/out/r.txt', expires: '2023-05-01T10:00:00.000Z' } },
      },
    };
    await writeFile(join(project, 'tasks', 'copied.json'), JSON.stringify(task));
    const r = await dw(['run', '--artifacts-dir', 'copied-out', 'tasks/copied.json']);
    expect(r.stderr).not.toMatch(/expires/);
    expect(r.code).toBe(0);
    expect(await readFile(join(project, 'copied-out/public/r.txt'), 'utf8')).toBe('result\n');
  });

  it('task keys the queue would refuse are refused, with a did-you-mean', async () => {
    await writeFile(join(project, 'tasks', 'typo.yml'), `scope: [docker-worker:cache:x]\nmetdata: {name: x}\npayload: {image: ${TEST_IMAGE}, maxRunTime: 60}\n`);
    const r = await dw(['run', 'tasks/typo.yml']);
    expect(r.code).toBe(3);
    const file = join(project, 'tasks', 'typo.yml');
    expect(r.stderr).toBe(
      'worker: the task file has 2 problems:\n' +
        `  - ${file}: scope is not a task field the queue accepts (did you mean "scopes"?)\n` +
        `  - ${file}: metdata is not a task field the queue accepts (did you mean "metadata"?)\n`,
    );
  });

  it('follows the retries the queue schedules for an onExitStatus.retry exit, and says so', async () => {
    await writeFile(
      join(project, 'tasks', 'flaky.yml'),
      `retries: 3\npayload:\n  image: ${TEST_IMAGE}\n  command: [sh, -c, 'echo "run $RUN_ID"; [ "$RUN_ID" = 1 ] || exit 36']\n  maxRunTime: 60\n  onExitStatus: {retry: [36]}\n`,
    );
    const r = await dw(['run', '--json', 'tasks/flaky.yml']);
    expect(r.code).toBe(0);
    expect(r.stderr).toContain('run 0\n');
    expect(r.stderr).toContain('run 1\n');
    expect(r.stderr).toMatch(/Run 0 of task \S+ ended exception \(intermittent-task\); the queue scheduled run 1 \(2 retries left\): following it/);
    const result = JSON.parse(r.stdout) as { state: string; runs: Array<{ state: string; reasonResolved: string }> };
    expect(result.state).toBe('completed');
    expect(result.runs.map((run) => `${run.state}/${run.reasonResolved}`)).toEqual(['exception/intermittent-task', 'completed/completed']);
  });

  it('stops after the last retry with the failure', async () => {
    await writeFile(
      join(project, 'tasks', 'broken.yml'),
      `retries: 1\npayload:\n  image: ${TEST_IMAGE}\n  command: [sh, -c, 'exit 36']\n  maxRunTime: 60\n  onExitStatus: {retry: [36]}\n`,
    );
    const r = await dw(['run', '--json', 'tasks/broken.yml']);
    expect(r.code).toBe(2);
    const result = JSON.parse(r.stdout) as { state: string; reason: string; runs: unknown[] };
    expect([result.state, result.reason, result.runs.length]).toEqual(['exception', 'intermittent-task', 2]);
  });

  describe('a file of tasks', () => {
    const entry = (name: string, command: string, extra: string[] = []) => [
      `  - taskId: ${name}`,
      `    metadata: {name: ${name}, description: d, owner: me@example.com, source: https://example.com}`,
      ...extra.map((line) => `    ${line}`),
      `    payload: {image: ${TEST_IMAGE}, command: [sh, -c, '${command}'], maxRunTime: 60}`,
    ];
    beforeAll(async () => {
      await writeFile(
        join(project, 'tasks', 'graph.yml'),
        [
          'version: 1',
          'tasks:',
          // Listed out of order: the queue needs dependencies first, and gets them.
          ...entry('test', 'echo testing', ['dependencies: [build, lint]']),
          ...entry('build', 'echo "building with $TOKEN"'),
          ...entry('lint', 'echo lint fails; exit 1'),
          ...entry('report', 'echo reporting', ['dependencies: [build, lint]', 'requires: all-resolved']),
          ...entry('package', 'echo packaging', ['dependencies: [build]']),
        ].join('\n'),
      );
    });

    it('--list shows them in the order they can run, with what each waits for, without Docker', async () => {
      const r = await dw(['run', '--list', 'tasks/graph.yml'], { env: { DOCKER_HOST: 'unix:///nonexistent/docker.sock' } });
      expect(r.code).toBe(0);
      expect(r.stdout.split('\n').map((line) => line.split('  ')[0])).toEqual(['build', 'lint', 'test', 'report', 'package', '']);
      expect(r.stdout).toContain(`test  image "${TEST_IMAGE}"  needs build, lint (all-completed)\n`);
      expect(r.stdout).toContain('report  image');
      expect(r.stdout).toContain('needs build, lint (all-resolved)\n');
    });

    it('runs them all with dependencies and requires honoured; a task that can never run stays unscheduled, named with why', async () => {
      const r = await dw(['run', '--json', '--secret', 'TOKEN=tok-graph-1', 'tasks/graph.yml']);
      // lint failed (1), test never ran (2): the worst decides.
      expect(r.code).toBe(2);
      const { tasks } = JSON.parse(r.stdout) as { tasks: Array<{ name: string; state: string; runs: unknown[] }> };
      expect(tasks.map((t) => [t.name, t.state, t.runs.length])).toEqual([
        ['build', 'completed', 1],
        ['lint', 'failed', 1],
        ['test', 'unscheduled', 0],
        ['report', 'completed', 1],
        ['package', 'completed', 1],
      ]);
      expect(r.stderr).toContain('building with [masked]\n');
      expect(r.stderr).not.toContain('tok-graph-1');
      expect(r.stderr).toMatch(/^Task test \(task \S+\) unscheduled: it needs its dependencies completed \(lint failed\)$/m);
      // Each log whole, one task at a time, dependencies first.
      const order = [...r.stderr.matchAll(/^== (\w+) \(task/gm)].map((m) => m[1]);
      expect(order.indexOf('build')).toBeLessThan(order.indexOf('package'));
      expect(order.indexOf('lint')).toBeLessThan(order.indexOf('report'));
      expect(order).not.toContain('test');
    });

    it('--task NAME runs that task and what it depends on, nothing else', async () => {
      const r = await dw(['run', '--json', '--task', 'package', 'tasks/graph.yml']);
      expect(r.code).toBe(0);
      const { tasks } = JSON.parse(r.stdout) as { tasks: Array<{ name: string; state: string }> };
      expect(tasks.map((t) => [t.name, t.state])).toEqual([
        ['build', 'completed'],
        ['package', 'completed'],
      ]);
      const unknown = await dw(['run', '--task', 'pakage', 'tasks/graph.yml']);
      expect(unknown).toMatchObject({ code: 3, stderr: 'worker: no task named "pakage" in the file (its tasks: build, lint, test, report, package)\n' });
    });

    it('refuses a file whose tasks depend on each other in a circle, or on a task it does not hold', async () => {
      await writeFile(join(project, 'tasks', 'circle.yml'), ['tasks:', ...entry('a', 'true', ['dependencies: [b]']), ...entry('b', 'true', ['dependencies: [a]']), ...entry('c', 'true', ['dependencies: [zz]'])].join('\n'));
      const r = await dw(['run', 'tasks/circle.yml']);
      expect(r.code).toBe(3);
      expect(r.stderr).toContain('task "c" depends on "zz", which is not a task of the file (known: a, b, c)');
      const v = await dw(['validate', 'tasks/circle.yml']);
      expect(v.code).toBe(1);
      expect(v.stdout).toContain('depend on each other in a circle, so none of them could ever run: a → b → a');
    });
  });

  describe('talking to a running docker-worker start', () => {
    let daemonEnv: NodeJS.ProcessEnv;
    let daemon: ReturnType<typeof spawn>;
    let daemonExited: Promise<number | null>;
    const until = async (what: string, test: () => boolean | Promise<boolean>) => {
      const deadline = Date.now() + 60_000;
      while (!(await test())) {
        if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
        await new Promise((r) => setTimeout(r, 100));
      }
    };
    const on = (args: string[]) => dw(args, { env: daemonEnv as Record<string, string> });
    let taskId = '';

    beforeAll(async () => {
      daemonEnv = { ...env, DW_WORK_DIR: join(dir, 'daemon-work'), DW_WORKER_ID: 'local-mode-daemon' };
      daemon = spawn(bin, ['start'], { cwd: project, env: daemonEnv, stdio: ['ignore', 'pipe', 'pipe'] });
      let daemonOut = '';
      daemon.stdout!.on('data', (c: Buffer) => (daemonOut += c.toString()));
      daemon.stderr!.resume();
      daemonExited = new Promise((done) => daemon.once('exit', done));
      await until('the daemon', () => daemonOut.includes('Submit tasks with: docker-worker submit'));
    }, 90_000);
    afterAll(async () => {
      // SIGTERM: whatever a failed test left running is aborted, not waited for.
      daemon.kill('SIGTERM');
      await daemonExited;
    });

    it('submit --wait streams the log of the task as it is written', async () => {
      await writeFile(join(project, 'tasks', 'slow.yml'), `image: ${TEST_IMAGE}\ncommand: [sh, -c, 'echo first; sleep 4; echo second']\nmaxRunTime: 60\n`);
      const submit = spawn(bin, ['submit', '--wait', 'tasks/slow.yml'], { cwd: project, env: daemonEnv, stdio: ['ignore', 'pipe', 'pipe'] });
      let out = '';
      submit.stdout.on('data', (c: Buffer) => (out += c.toString()));
      submit.stderr.resume();
      const exited = new Promise<number | null>((done) => submit.once('exit', done));
      await until('the first line', () => out.includes('first\n'));
      // Printed while the task still runs.
      expect(out).not.toContain('second');
      expect(await exited).toBe(0);
      expect(out).toContain('second\n');
      expect(out.split('first\n')).toHaveLength(2);
      expect(out.trim().split('\n').pop()).toMatch(/^Task \S+ completed$/);
      taskId = /^Submitted task (\S+) /m.exec(out)![1]!;
    });

    it('status, log, artifacts of that task', async () => {
      const status = await on(['status', taskId]);
      expect(status.code).toBe(0);
      expect(status.stdout).toMatch(new RegExp(`^Task ${taskId} completed  \\(retries left: \\d+, deadline \\S+\\)\n  run 0: completed, scheduled on local/local-mode-daemon, started \\S+, resolved \\S+\n$`));
      const log = await on(['log', taskId]);
      expect([log.code, log.stdout]).toEqual([0, expect.stringContaining('first\nsecond\n')]);
      const listed = await on(['artifacts', taskId]);
      expect(listed.stdout).toMatch(/^public\/logs\/live_backing\.log {2}\S+ {2}text\/plain/m);
      const saved = await on(['artifacts', taskId, '--download', 'dl']);
      expect(saved.code).toBe(0);
      expect(await readFile(join(project, 'dl/public/logs/live_backing.log'), 'utf8')).toContain('second\n');
      expect(await on(['log', taskId, '--run', '4'])).toMatchObject({ code: 3, stderr: `worker: --run 4: task ${taskId} has runs 0 to 0\n` });
      expect(await on(['status', 'nXhBN8HuRNKzhnJUPdJsMg'])).toMatchObject({ code: 3, stderr: expect.stringContaining('task nXhBN8HuRNKzhnJUPdJsMg: ') });
    });

    it('rerun --wait runs it again and follows only the new run', async () => {
      const r = await on(['rerun', '--wait', taskId]);
      expect(r.code).toBe(0);
      expect(r.stdout).toMatch(new RegExp(`^Task ${taskId}: run 1 (pending|running)\n`));
      expect(r.stdout.split('first\n')).toHaveLength(2);
      expect(r.stdout.trim().split('\n').pop()).toBe(`Task ${taskId} completed`);
      expect((await on(['status', taskId])).stdout).toContain('  run 1: completed, rerun on ');
    });

    it('cancel stops a running task at once (its container is gone long before a reclaim); log -f ends with it, exit 2', async () => {
      await writeFile(join(project, 'tasks', 'forever.yml'), `image: ${TEST_IMAGE}\ncommand: [sh, -c, 'echo waiting; sleep 600']\nmaxRunTime: 900\n`);
      const submitted = await on(['submit', 'tasks/forever.yml']);
      const id = /^Submitted task (\S+) /m.exec(submitted.stdout)![1]!;
      const follower = on(['log', '-f', id]);
      await until('the task to run', async () => (await on(['status', id])).stdout.startsWith(`Task ${id} running`));
      const containers = async () => (await runFile('docker', ['ps', '-aq', '--filter', `label=${LABELS.taskId}=${id}`])).stdout.trim();
      await until('its container', async () => (await containers()) !== '');
      const canceled = await on(['cancel', id]);
      expect(canceled).toMatchObject({ code: 0, stdout: `Task ${id} exception (canceled)\n` });
      const followed = await follower;
      expect(followed.code).toBe(2);
      expect(followed.stderr.trim().split('\n').pop()).toBe(`Task ${id} exception (canceled)`);
      expect((await on(['status', id])).code).toBe(2);
      // The daemon's claims last 1200 s, reclaimed halfway: only the embedded queue's own
      // message can stop the container this soon.
      await until('the canceled task\'s container to be removed', async () => (await containers()) === '');
    });
  });

  describe('validate', () => {
    // No Docker engine needed: validation never asks for one.
    const noDocker = { DOCKER_HOST: 'unix:///nonexistent/docker.sock' };

    it('exit 0 for a valid task, bare payload or stdin', async () => {
      expect(await dw(['validate', 'tasks/hello.yml'], { env: noDocker })).toMatchObject({ code: 0, stdout: `${join(project, 'tasks/hello.yml')}: valid (1 task)\n` });
      expect(await dw(['validate', '-'], { env: noDocker, input: `payload: {image: ${TEST_IMAGE}, maxRunTime: 5}\n` })).toMatchObject({ code: 0, stdout: 'stdin: valid (1 task)\n' });
    });

    it('exit 1 listing every problem: task keys, payload schema, features, scopes', async () => {
      await writeFile(
        join(project, 'tasks', 'bad.yml'),
        ['scope: []', 'payload:', `  image: ${TEST_IMAGE}`, '  maxRunTime: soon', '  features: {bogusFeature: true}', '  cache: {c: /c}', '  maxRuntime: 3'].join('\n'),
      );
      const r = await dw(['validate', 'tasks/bad.yml'], { env: noDocker });
      expect(r.code).toBe(1);
      const file = join(project, 'tasks/bad.yml');
      expect(r.stdout).toContain(`problem ${file}: scope is not a task field the queue accepts (did you mean "scopes"?)`);
      expect(r.stdout).toContain(`${file}: 1 problem\n`);
      await writeFile(join(project, 'tasks', 'bad.yml'), ['payload:', `  image: ${TEST_IMAGE}`, '  maxRunTime: soon', '  features: {bogusFeature: true}', '  maxRuntime: 3'].join('\n'));
      const payload = await dw(['validate', 'tasks/bad.yml'], { env: noDocker });
      expect(payload.code).toBe(1);
      expect(payload.stdout).toContain('payload.maxRunTime');
      expect(payload.stdout).toContain('payload.features.bogusFeature is not a feature this worker offers');
      expect(payload.stdout).toMatch(/warning .*maxRuntime.*did you mean "maxRunTime"/);
      await writeFile(join(project, 'tasks', 'scopes.yml'), ['payload:', `  image: ${TEST_IMAGE}`, '  maxRunTime: 5', '  cache: {c: /c}'].join('\n'));
      const scopes = await dw(['validate', 'tasks/scopes.yml'], { env: noDocker });
      expect(scopes.code).toBe(1);
      expect(scopes.stdout).toContain('docker-worker:cache:c');
    });

    it('exit 1 for a file it cannot read or parse, naming the resolved path', async () => {
      expect(await dw(['validate', 'tasks/none.yml'], { env: noDocker })).toMatchObject({ code: 1, stdout: expect.stringContaining(`cannot read task file ${join(project, 'tasks/none.yml')}: no such file`) });
      expect(await dw(['validate', '-'], { env: noDocker, input: 'payload: [' })).toMatchObject({ code: 1, stdout: expect.stringContaining('task file stdin is not valid YAML or JSON') });
    });
  });
});
