import { execFileSync, spawn } from 'node:child_process';
import { createHash } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import http from 'node:http';
import https from 'node:https';
import { tmpdir } from 'node:os';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { gunzipSync } from 'node:zlib';
import { Harness, TEST_IMAGE } from './harness.js';

const bin = resolve(dirname(fileURLToPath(import.meta.url)), '../dist/bin/worker.js');

interface ReadResult {
  bytes: number;
  sha256: string;
  /** Only when asked for (small logs). */
  text: string;
  /** When the first byte after the headers came, and when the response ended (Date.now()). */
  firstDataAt: number | undefined;
  endedAt: number;
  /** False when the connection was cut before the end of the response. */
  complete: boolean;
}

/**
 * An HTTP(S) live log reader that hashes what it gets (so 200 MB need not be held), optionally
 * keeping the text, and optionally slow: it stops reading for `pauseMs` after every
 * `pauseEvery` bytes.
 */
function readLive(
  url: string,
  options: { keepText?: boolean; pauseMs?: number; pauseEvery?: number; ca?: Buffer; onData?: (text: string) => void } = {},
): Promise<ReadResult> {
  return new Promise((done, fail) => {
    const get = url.startsWith('https:') ? https.get : http.get;
    const req = get(url, { ca: options.ca }, (res) => {
      if (res.statusCode !== 200) {
        res.resume();
        fail(new Error(`GET ${url}: HTTP ${res.statusCode}`));
        return;
      }
      const hash = createHash('sha256');
      const chunks: Buffer[] = [];
      let bytes = 0;
      let sincePause = 0;
      let firstDataAt: number | undefined;
      res.on('data', (chunk: Buffer) => {
        firstDataAt ??= Date.now();
        hash.update(chunk);
        bytes += chunk.length;
        if (options.keepText) chunks.push(chunk);
        options.onData?.(chunk.toString());
        sincePause += chunk.length;
        if (options.pauseMs && sincePause >= (options.pauseEvery ?? 0)) {
          sincePause = 0;
          res.pause();
          setTimeout(() => res.resume(), options.pauseMs);
        }
      });
      res.once('close', () =>
        done({ bytes, sha256: hash.digest('hex'), text: Buffer.concat(chunks).toString(), firstDataAt, endedAt: Date.now(), complete: res.complete }),
      );
    });
    req.once('error', fail);
  });
}

/** The live log's server URL, from the queue's answer to getArtifact (303 to a reference). */
async function liveLogUrl(h: Harness, taskId: string, name = 'public/logs/live.log'): Promise<string> {
  let location: string | undefined;
  await h.until(`a reference artifact ${name}`, async () => {
    const res = await fetch(h.client.artifactUrl(taskId, 0, name), { redirect: 'manual' });
    await res.body?.cancel();
    if (res.status !== 303 || res.headers.get('x-taskcluster-artifact-storage-type') !== 'reference') return false;
    location = res.headers.get('location') ?? undefined;
    return true;
  });
  return location!;
}

/** The backing log, streamed: its length and sha256, plus the sha256 of the container's output in it. */
async function hashBackingLog(h: Harness, taskId: string): Promise<{ bytes: number; sha256: string; output: { bytes: number; sha256: string } }> {
  const response = await fetch(h.client.artifactUrl(taskId, 0, 'public/logs/live_backing.log'));
  if (!response.ok || !response.body) throw new Error(`backing log: HTTP ${response.status}`);
  const whole = createHash('sha256');
  const output = createHash('sha256');
  let bytes = 0;
  let outputBytes = 0;
  // The output starts after the "=== Task Starting ===" line and ends before the line
  // "=== Task Finished ===" (a notice always starts on a fresh line, so a newline is added
  // before it when the output did not end with one). The last bytes wait in `tail` until the end.
  const START = Buffer.from('] === Task Starting ===\n');
  let head: Buffer | undefined = Buffer.alloc(0) as Buffer;
  let tail: Buffer = Buffer.alloc(0);
  for await (const chunk of response.body as AsyncIterable<Uint8Array>) {
    const buffer = Buffer.from(chunk);
    whole.update(buffer);
    bytes += buffer.length;
    let rest: Buffer = buffer;
    if (head) {
      head = Buffer.concat([head, buffer]);
      const at = head.indexOf(START);
      if (at < 0) continue;
      rest = head.subarray(at + START.length);
      head = undefined;
    }
    tail = Buffer.concat([tail, rest]);
    if (tail.length > 4096) {
      const ready = tail.subarray(0, tail.length - 1024);
      output.update(ready);
      outputBytes += ready.length;
      tail = Buffer.from(tail.subarray(tail.length - 1024));
    }
  }
  const finished = tail.lastIndexOf('] === Task Finished ===');
  let end = tail.lastIndexOf('[taskcluster ', finished);
  // The newline the notice put before itself is not the task's.
  if (tail[end - 1] === 0x0a) end -= 1;
  output.update(tail.subarray(0, end));
  outputBytes += end;
  return { bytes, sha256: whole.digest('hex'), output: { bytes: outputBytes, sha256: output.digest('hex') } };
}

/** `S` of the footer's "completed in S seconds". */
function taskSeconds(text: string): number {
  const match = /completed in (\d+\.\d+) seconds/.exec(text);
  if (!match) throw new Error('no footer');
  return Number(match[1]);
}

describe('the live log (real engine, embedded queue)', () => {
  const h = new Harness();
  beforeAll(async () => {
    await h.start();
    await h.startWorker({ capacity: 1 });
  });
  afterAll(async () => {
    await h.stop();
  });

  it('a line a second for 6 s: a reader from the first second gets lines while the task runs, then exactly the backing log; live.log becomes a link', async () => {
    const taskId = await h.createTask({ image: TEST_IMAGE, command: ['sh', '-c', 'for i in 1 2 3 4 5 6; do echo "line $i"; sleep 1; done'], maxRunTime: 60 });
    const url = await liveLogUrl(h, taskId);
    expect(url).toMatch(/^http:\/\/localhost:\d+\/log\/[0-9a-f]{64}$/);
    let firstLineAt: number | undefined;
    const reading = readLive(url, {
      keepText: true,
      onData: (text) => {
        if (text.includes('line 1')) firstLineAt ??= Date.now();
      },
    });
    const status = await h.waitResolved(taskId);
    const resolvedAt = Date.now();
    expect(status.state).toBe('completed');
    const got = await reading;
    expect(got.complete).toBe(true);
    // Live: the first line came seconds before the end of the task.
    expect(firstLineAt).toBeDefined();
    expect(resolvedAt - firstLineAt!).toBeGreaterThan(3000);
    expect(got.text).toBe(await h.backingLog(taskId));
    expect(got.text).toContain('line 6\n');

    const artifacts = await h.client.listArtifacts(taskId, 0);
    expect(artifacts.find((a) => a.name === 'public/logs/live.log')).toMatchObject({ storageType: 'link' });
    expect(artifacts.find((a) => a.name === 'public/logs/live_backing.log')).toMatchObject({ storageType: 's3', contentType: 'text/plain; charset=utf-8' });
    const task = await h.client.task(taskId);
    expect(artifacts.find((a) => a.name === 'public/logs/live.log')!.expires).toBe(task.expires);
    // The server no longer serves it: readers follow the link to the backing log.
    const gone = await fetch(url);
    expect(gone.status).toBe(404);
  });

  it('three readers at once, one slow: identical bytes, and the task takes no longer than without readers', async () => {
    const payload = { image: TEST_IMAGE, command: ['sh', '-c', 'yes 0123456789abcdefghijklmnopqrstuvwxyz | head -c 20971520'], maxRunTime: 120 };
    const alone = await h.createTask(payload);
    expect((await h.waitResolved(alone)).state).toBe('completed');
    const secondsAlone = taskSeconds(await h.backingLog(alone));

    const taskId = await h.createTask(payload);
    const url = await liveLogUrl(h, taskId);
    // The slow one takes at most 256 KB per 50 ms (5 MB/s), several times slower than the task prints.
    const readers = [readLive(url), readLive(url), readLive(url, { pauseEvery: 256 * 1024, pauseMs: 50 })];
    expect((await h.waitResolved(taskId)).state).toBe('completed');
    const resolvedAt = Date.now();
    const [fast1, fast2, slow] = await Promise.all(readers);
    const backing = await hashBackingLog(h, taskId);
    for (const reader of [fast1!, fast2!, slow!]) {
      expect(reader.complete).toBe(true);
      expect({ bytes: reader.bytes, sha256: reader.sha256 }).toEqual({ bytes: backing.bytes, sha256: backing.sha256 });
    }
    expect(backing.output.bytes).toBe(20971520);
    // The run was resolved (and its files removed) while the slow reader was still reading.
    expect(slow!.endedAt).toBeGreaterThan(resolvedAt);
    const secondsWithReaders = taskSeconds(await h.backingLog(taskId));
    expect(secondsWithReaders).toBeLessThan(secondsAlone * 2 + 2);
  });

  it('200 MB: the backing log decompresses to exactly the bytes printed, a live reader got them all, memory stays flat', async () => {
    const size = 200 * 1024 * 1024;
    const line = Buffer.from('0123456789abcdefghijklmnopqrstuvwxyz\n');
    const expected = createHash('sha256');
    const block = Buffer.concat(Array<Buffer>(1000).fill(line));
    let left = size;
    while (left > 0) {
      const take = Math.min(left, block.length);
      expected.update(block.subarray(0, take));
      left -= take;
    }
    const rssBefore = process.memoryUsage().rss;
    let rssPeak = rssBefore;
    const sampler = setInterval(() => (rssPeak = Math.max(rssPeak, process.memoryUsage().rss)), 100);
    try {
      const taskId = await h.createTask({ image: TEST_IMAGE, command: ['sh', '-c', `yes 0123456789abcdefghijklmnopqrstuvwxyz | head -c ${size}`], maxRunTime: 300 });
      const live = readLive(await liveLogUrl(h, taskId));
      expect((await h.waitResolved(taskId, 120_000)).state).toBe('completed');
      const backing = await hashBackingLog(h, taskId);
      expect(backing.output).toEqual({ bytes: size, sha256: expected.digest('hex') });
      const got = await live;
      expect({ bytes: got.bytes, sha256: got.sha256 }).toEqual({ bytes: backing.bytes, sha256: backing.sha256 });
    } finally {
      clearInterval(sampler);
    }
    // Worker, queue, reader and test in this process: a copy of the log anywhere would be 200 MB.
    expect((rssPeak - rssBefore) / 1e6).toBeLessThan(150);
  }, 120_000);

  it('payload.log renames the live log and its backing twin; the default names are absent', async () => {
    const taskId = await h.createTask({ image: TEST_IMAGE, command: ['sh', '-c', 'sleep 1; echo custom'], maxRunTime: 60, log: 'private/logs/custom.log' });
    const url = await liveLogUrl(h, taskId, 'private/logs/custom.log');
    expect(url).toMatch(/\/log\/[0-9a-f]{64}$/);
    expect((await h.waitResolved(taskId)).state).toBe('completed');
    const names = (await h.client.listArtifacts(taskId, 0)).map((a) => a.name);
    expect(names).toEqual(expect.arrayContaining(['private/logs/custom.log', 'private/logs/custom_backing.log']));
    expect(names).not.toContain('public/logs/live.log');
    expect(names).not.toContain('public/logs/live_backing.log');
    expect(await h.backingLog(taskId, 0, 'private/logs/custom_backing.log')).toContain('\ncustom\n');
  });

  it('bulkLog: terminal_bulk.log.gz is a gzip file of the whole log', async () => {
    const taskId = await h.createTask({ image: TEST_IMAGE, command: ['sh', '-c', 'echo bulk; seq 1 1000'], maxRunTime: 60, features: { bulkLog: true } });
    expect((await h.waitResolved(taskId)).state).toBe('completed');
    const artifacts = await h.client.listArtifacts(taskId, 0);
    expect(artifacts.find((a) => a.name === 'public/logs/terminal_bulk.log.gz')).toMatchObject({ storageType: 's3', contentType: 'application/gzip' });
    const response = await fetch(h.client.artifactUrl(taskId, 0, 'public/logs/terminal_bulk.log.gz'));
    expect(response.headers.get('content-encoding')).toBeNull();
    const text = gunzipSync(Buffer.from(await response.arrayBuffer())).toString();
    expect(text).toBe(await h.backingLog(taskId));
    expect(text).toContain('\n1000\n');
  });

  it('without bulkLog there is no terminal_bulk.log.gz', async () => {
    const taskId = await h.createTask({ image: TEST_IMAGE, command: ['true'], maxRunTime: 60 });
    expect((await h.waitResolved(taskId)).state).toBe('completed');
    expect((await h.client.listArtifacts(taskId, 0)).map((a) => a.name)).not.toContain('public/logs/terminal_bulk.log.gz');
  });
});

describe('the backing log as an object artifact', () => {
  const h = new Harness();
  beforeAll(async () => {
    await h.start();
    await h.startWorker({ capacity: 1, artifacts: { storageType: 'object' } });
  });
  afterAll(async () => {
    await h.stop();
  });

  // The object service keeps no content encoding: a gzip upload would be served as gzip to
  // everyone reading the .log. It is uploaded as text, as generic-worker does.
  it('is served as uploaded: plain text/plain; charset=utf-8, no content encoding, the whole log', async () => {
    const taskId = await h.createTask({ image: TEST_IMAGE, command: ['sh', '-c', 'echo object-log; seq 1 500'], maxRunTime: 60 });
    expect((await h.waitResolved(taskId)).state).toBe('completed');
    const artifacts = await h.client.listArtifacts(taskId, 0);
    expect(artifacts.find((a) => a.name === 'public/logs/live_backing.log')).toMatchObject({ storageType: 'object', contentType: 'text/plain; charset=utf-8' });
    const response = await fetch(h.client.artifactUrl(taskId, 0, 'public/logs/live_backing.log'));
    expect(response.status).toBe(200);
    expect(response.headers.get('content-type')).toBe('text/plain; charset=utf-8');
    expect(response.headers.get('content-encoding')).toBeNull();
    const text = Buffer.from(await response.arrayBuffer()).toString('utf8');
    expect(text).toContain('\nobject-log\n');
    expect(text).toContain('\n500\n');
    // The footer is in: the log was uploaded once closed.
    expect(text).toContain('Successful task run with exit code: 0');
  });
});

describe('the live log of a canceled task', () => {
  const h = new Harness();
  beforeAll(async () => {
    // Reclaims every ~2 s: the 409 after cancelTask comes quickly.
    await h.start({ claimTimeout: 4 });
    await h.startWorker({ capacity: 1 });
  });
  afterAll(async () => {
    await h.stop();
  });

  it('no backing log is uploaded: live.log stays the reference; readers get the log to its end', async () => {
    const taskId = await h.createTask({ image: TEST_IMAGE, command: ['sh', '-c', 'echo waiting; sleep 600'], maxRunTime: 900 });
    const url = await liveLogUrl(h, taskId);
    let sawOutput = false;
    const reading = readLive(url, { keepText: true, onData: (text) => (sawOutput ||= text.includes('waiting')) });
    await h.until('output', () => sawOutput);
    await h.client.cancelTask(taskId);
    await h.until('container gone', async () => (await h.containers()).length === 0, 15_000);
    const got = await reading;
    expect(got.complete).toBe(true);
    expect(got.text).toContain('Task was canceled by another entity');
    // killed has run by now (the container is removed after it); give the run time to finish.
    await h.until('log no longer served', async () => (await fetch(url)).status === 404);
    const artifacts = await h.client.listArtifacts(taskId, 0);
    expect(artifacts.map((a) => [a.name, a.storageType])).toEqual([['public/logs/live.log', 'reference']]);
  });
});

describe('the live log over TLS', () => {
  const h = new Harness();
  let ca: Buffer;
  beforeAll(async () => {
    await h.start();
    const certificate = join(h.dir, 'livelog.crt');
    const key = join(h.dir, 'livelog.key');
    execFileSync('openssl', [
      'req', '-x509', '-newkey', 'rsa:2048', '-nodes', '-days', '1', '-subj', '/CN=localhost',
      '-addext', 'subjectAltName=DNS:localhost', '-keyout', key, '-out', certificate,
    ], { stdio: 'ignore' });
    ca = readFileSync(certificate);
    await h.startWorker({ features: { localLiveLog: { tls: { certificate, key } } } });
  });
  afterAll(async () => {
    await h.stop();
  });

  it('the reference is an https URL, and a reader trusting the certificate follows the log', async () => {
    const taskId = await h.createTask({ image: TEST_IMAGE, command: ['sh', '-c', 'echo one; sleep 2; echo two'], maxRunTime: 60 });
    const url = await liveLogUrl(h, taskId);
    expect(url).toMatch(/^https:\/\/localhost:\d+\/log\/[0-9a-f]{64}$/);
    const got = await readLive(url, { ca, keepText: true });
    expect((await h.waitResolved(taskId)).state).toBe('completed');
    expect(got.complete).toBe(true);
    expect(got.text).toBe(await h.backingLog(taskId));
    // Without the certificate as a CA, the connection is refused.
    await expect(readLive(url)).rejects.toThrow(/self[- ]signed|certificate/i);
  });
});

describe('worker run and the live log', () => {
  let dir: string;
  beforeAll(async () => {
    dir = await mkdtemp(join(tmpdir(), 'dw-livelog-run-'));
  });
  afterAll(async () => {
    await rm(dir, { recursive: true, force: true });
  });

  it('prints "Live log: <url>" on stderr at the start; the URL serves what stdout shows', async () => {
    const file = join(dir, 'task.yml');
    await writeFile(file, `image: ${TEST_IMAGE}\ncommand: ['sh', '-c', 'echo first; sleep 3; echo second']\nmaxRunTime: 60\n`);
    const child = spawn(process.execPath, [bin, 'run', file], { env: { ...process.env, DW_WORK_DIR: join(dir, 'work'), DW_WORKER_ID: 'livelog-run' } });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (chunk: Buffer) => (stdout += chunk.toString()));
    const url = await new Promise<string>((found, fail) => {
      child.stderr.on('data', (chunk: Buffer) => {
        stderr += chunk.toString();
        const match = /^Live log: (\S+)$/m.exec(stderr);
        if (match) found(match[1]!);
      });
      child.once('exit', () => fail(new Error(`worker run ended without a live log URL:\n${stderr}`)));
    });
    expect(url).toMatch(/^http:\/\/localhost:\d+\/log\/[0-9a-f]{64}$/);
    // The URL is printed before the container starts: the task is still running.
    expect(stdout).not.toContain('second');
    const got = await readLive(url, { keepText: true });
    const code = await new Promise<number | null>((exited) => (child.exitCode !== null ? exited(child.exitCode) : child.once('exit', exited)));
    expect(code).toBe(0);
    expect(got.complete).toBe(true);
    expect(got.text).toContain('second');
    expect(stdout.startsWith(got.text)).toBe(true);
    // stdout is the task log and nothing else; the result line goes to stderr.
    expect(stdout).toBe(got.text);
    expect(stderr).toMatch(/\nTask \S+ completed\n$/);
  });
});
