// The web view in a real browser: Debian's chromium, driven by playwright-core, against a real
// `worker start` on the embedded queue with the real Docker engine. Screenshots of each step
// are kept in test-artifacts/web-view/ (git-ignored).

import { execFile, spawn, type ChildProcess } from 'node:child_process';
import { existsSync } from 'node:fs';
import { mkdir, mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';
import { LABELS } from '@docker-worker/worker-contract';
import { chromium, type Browser, type Page } from 'playwright-core';
import { TEST_IMAGE, WORKER_BIN } from './harness.js';

const run = promisify(execFile);

/** The page's document as the predicates below (run in the browser) use it: Node's types have no DOM, and this file adds none to the program. */
declare const document: {
  getElementById(id: string): { textContent: string | null; disabled?: boolean } | null;
  querySelector(selector: string): object | null;
};
const CHROMIUM = '/usr/bin/chromium';
const SCREENSHOTS = resolve(dirname(fileURLToPath(import.meta.url)), '../test-artifacts/web-view');
/** Generous: the machine is shared; every wait polls for a state, none sleeps a fixed time. */
const WAIT_MS = 90_000;

let dir: string;
let env: NodeJS.ProcessEnv;
let daemon: ChildProcess;
let daemonExited: Promise<number | null>;
let webViewUrl: string;
let browser: Browser;
let page: Page;

async function until(what: string, test: () => boolean | Promise<boolean>): Promise<void> {
  const deadline = Date.now() + WAIT_MS;
  while (!(await test())) {
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 100));
  }
}

/** Polls the page until `predicate(arg)` holds in it. */
async function waitInPage(what: string, predicate: (arg: string) => boolean, arg = ''): Promise<void> {
  try {
    await page.waitForFunction(predicate, arg, { timeout: WAIT_MS, polling: 100 });
  } catch (err) {
    await page.screenshot({ path: join(SCREENSHOTS, 'timed-out.png'), fullPage: true });
    throw new Error(`the page never showed ${what}: ${(err as Error).message}`);
  }
}

const logHas = (text: string) => waitInPage(`the log line ${JSON.stringify(text)}`, (t) => document.getElementById('log')?.textContent?.includes(t) ?? false, text);
const stateIs = (state: string) => waitInPage(`the state ${state}`, (s) => document.getElementById('task-state')?.textContent === s, state);
const shot = (name: string) => page.screenshot({ path: join(SCREENSHOTS, `${name}.png`), fullPage: true });

/** `worker submit FILE` against the running daemon; the new task's id. */
async function submit(name: string, payload: string): Promise<string> {
  const file = join(dir, `${name}.yml`);
  await writeFile(file, payload);
  const { stdout } = await run(process.execPath, [WORKER_BIN, 'submit', file], { env });
  return /^Submitted task (\S+) /m.exec(stdout)![1]!;
}

beforeAll(async () => {
  // A missing browser fails the suite: it is part of the machine set-up, never a reason to skip.
  if (!existsSync(CHROMIUM)) throw new Error(`${CHROMIUM} is missing: install Debian's chromium (scripts/setup-machine.sh does)`);
  await mkdir(SCREENSHOTS, { recursive: true });
  dir = await mkdtemp(join(tmpdir(), 'dw-web-view-test-'));
  env = { ...process.env, DW_WORK_DIR: join(dir, 'work'), DW_WORKER_ID: 'web-view-test', DW_TASK_QUEUE__POLL_INTERVAL: '200' };
  // One slot: the rerun of a canceled task runs only if the worker heard of the cancel at once
  // (its claims last 1200 s) and gave the slot back.
  env.DW_CAPACITY = '1';
  daemon = spawn(process.execPath, [WORKER_BIN, 'start'], { env, stdio: ['ignore', 'pipe', 'pipe'] });
  let out = '';
  daemon.stdout!.on('data', (c: Buffer) => (out += c.toString()));
  daemon.stderr!.resume();
  daemonExited = new Promise((done) => daemon.once('exit', done));
  await until('worker start', () => {
    if (daemon.exitCode !== null) throw new Error(`worker start exited early: ${out}`);
    return out.includes('Submit tasks with');
  });
  webViewUrl = /^Web view: (\S+)$/m.exec(out)![1]!;
  browser = await chromium.launch({ executablePath: CHROMIUM, args: ['--no-sandbox'] });
  page = await (await browser.newContext({ acceptDownloads: true, viewport: { width: 1280, height: 900 } })).newPage();
}, 120_000);

afterAll(async () => {
  await browser?.close();
  // SIGTERM: whatever a failed test left running is aborted.
  if (daemon && daemon.exitCode === null) daemon.kill('SIGTERM');
  await daemonExited;
  await rm(dir, { recursive: true, force: true });
});

it('lists a task, follows its log live, then shows the saved log, and downloads its artifact', async () => {
  expect(webViewUrl).toMatch(/^http:\/\/127\.0\.0\.1:\d+\/$/);
  // The task holds after three lines until the test lets it go, so "live" is shown, not timed.
  const taskId = await submit(
    'lines',
    [
      `image: ${TEST_IMAGE}`,
      `command: [sh, -c, 'for i in 1 2 3; do echo "line $i"; sleep 1; done; until [ -e /tmp/go ]; do sleep 0.2; done; echo "last line"; mkdir -p /out; printf "artifact bytes\\n" > /out/result.txt']`,
      'maxRunTime: 300',
      'artifacts:',
      '  public/result.txt: {type: file, path: /out/result.txt}',
      '',
    ].join('\n'),
  );
  await page.goto(webViewUrl);
  await waitInPage('the task in the list', (id) => document.querySelector(`tr[data-task-id="${id}"]`) !== null, taskId);
  await shot('1-task-list');
  await page.click(`tr[data-task-id="${taskId}"] a`);
  await logHas('line 3');
  expect(await page.textContent('#task-state')).toBe('running');
  expect(await page.textContent('#log-status')).toContain('Following the live log of run 0');
  expect(await page.textContent('#log')).not.toContain('last line');
  await shot('2-live-log');

  const { stdout: container } = await run('docker', ['ps', '-q', '--filter', `label=${LABELS.taskId}=${taskId}`]);
  expect(container.trim()).not.toBe('');
  await run('docker', ['exec', container.trim(), 'touch', '/tmp/go']);
  await logHas('last line');
  await stateIs('completed');
  await waitInPage('the saved log', () => document.getElementById('log-status')?.textContent === 'The saved log of run 0.');
  const log = (await page.textContent('#log'))!;
  expect(log.split('line 1\n')).toHaveLength(2);
  expect(log).toContain('last line\n');
  await waitInPage('the artifact link', () => document.querySelector('tr[data-artifact="public/result.txt"] a') !== null);
  await shot('3-completed');

  const [download] = await Promise.all([page.waitForEvent('download', { timeout: WAIT_MS }), page.click('tr[data-artifact="public/result.txt"] a')]);
  expect(download.suggestedFilename()).toBe('result.txt');
  expect(await readFile((await download.path())!, 'utf8')).toBe('artifact bytes\n');
});

it('shows what a task definition holds as text, never as markup', async () => {
  const name = '<img src=x id=injected onerror="document.title=1">';
  const taskId = await submit('markup', ['metadata:', `  name: '${name}'`, 'payload:', `  image: ${TEST_IMAGE}`, '  command: [echo, "<b id=bold>not bold</b>"]', '  maxRunTime: 60', ''].join('\n'));
  await page.goto(webViewUrl);
  await waitInPage('the task in the list', (id) => document.querySelector(`tr[data-task-id="${id}"] a`) !== null, taskId);
  expect(await page.textContent(`tr[data-task-id="${taskId}"] a`)).toBe(name);
  await page.click(`tr[data-task-id="${taskId}"] a`);
  await stateIs('completed');
  await logHas('<b id=bold>not bold</b>');
  expect(await page.locator('#injected, #bold').count()).toBe(0);
  expect(await page.title()).toBe('docker-worker: local tasks');
});

it('cancels a running task with the button, and reruns it', async () => {
  const taskId = await submit('forever', `image: ${TEST_IMAGE}\ncommand: [sh, -c, 'echo waiting; sleep 600']\nmaxRunTime: 900\n`);
  await page.goto(`${webViewUrl}#/task/${taskId}`);
  await logHas('waiting');
  await stateIs('running');
  expect(await page.isDisabled('#rerun')).toBe(true);
  await page.click('#cancel');
  await stateIs('exception (canceled)');
  expect(await page.textContent('#action-result')).toBe('Canceled.');
  await waitInPage('the cancel button disabled', () => document.getElementById('cancel')?.disabled === true);
  await shot('4-canceled');

  await page.click('#rerun');
  await waitInPage('run 1', () => document.getElementById('log-title')?.textContent === 'Log of run 1');
  await logHas('waiting');
  await stateIs('running');
  await shot('5-rerun-running');
  // Canceled again, so nothing is left running on the queue.
  await page.click('#cancel');
  await stateIs('exception (canceled)');
});
