import { randomBytes } from 'node:crypto';
import WebSocket from 'ws';
import { Harness, TEST_IMAGE } from './harness.js';

const FEATURE_SCOPE = 'docker-worker:feature:interactive';
const DISPLAY_ARTIFACT = 'private/docker-worker/display.html';
/** Built by scripts/setup-machine.sh: Debian with Xvfb and x11vnc. */
const X11_IMAGE = 'dw-test/x11:latest';
const MIN_TIME = 3;
const EXPIRATION_AFTER_SESSION = 2;

/** A websocket's messages as one byte stream, read by length: enough of a VNC client to prove RFB. */
class RfbReader {
  #buffered = Buffer.alloc(0);
  #waiting: (() => void) | undefined;
  closed: Promise<{ code: number; reason: string }>;
  constructor(readonly ws: WebSocket) {
    ws.on('message', (data: Buffer) => {
      this.#buffered = Buffer.concat([this.#buffered, data]);
      this.#waiting?.();
    });
    this.closed = new Promise((resolve) => ws.once('close', (code, reason) => {
      resolve({ code, reason: reason.toString() });
      this.#waiting?.();
    }));
  }

  async read(length: number, timeoutMs = 20_000): Promise<Buffer> {
    const deadline = Date.now() + timeoutMs;
    while (this.#buffered.length < length) {
      if (this.ws.readyState === WebSocket.CLOSED) throw new Error(`the socket closed with ${this.#buffered.length} of ${length} bytes`);
      if (Date.now() > deadline) throw new Error(`no ${length} bytes within ${timeoutMs} ms (have ${this.#buffered.length})`);
      await new Promise<void>((resolve) => {
        const timer = setTimeout(resolve, 200);
        this.#waiting = () => {
          clearTimeout(timer);
          resolve();
        };
      });
    }
    const out = this.#buffered.subarray(0, length);
    this.#buffered = this.#buffered.subarray(length);
    return out;
  }

  /** RFB 3.8 up to a refusal: the reason of a server offering no security type. */
  async refusal(): Promise<string> {
    expect((await this.read(12)).toString('latin1')).toMatch(/^RFB 003\.00\d\n$/);
    this.ws.send(Buffer.from('RFB 003.008\n', 'latin1'));
    expect((await this.read(1))[0]).toBe(0);
    const length = (await this.read(4)).readUInt32BE(0);
    return (await this.read(length)).toString('utf8');
  }
}

async function connect(url: string): Promise<RfbReader> {
  const ws = new WebSocket(url);
  const reader = new RfbReader(ws);
  await new Promise<void>((resolve, reject) => {
    ws.once('open', () => resolve());
    ws.once('error', reject);
  });
  return reader;
}

describe('interactive display: VNC into a task\'s X display through x11vnc (real engine, embedded queue)', () => {
  const h = new Harness();
  beforeAll(async () => {
    // Reclaims every ~2 s: the 409 after cancelTask comes quickly.
    await h.start({ claimTimeout: 4 });
    await h.startWorker({ capacity: 2, features: { interactive: { minTime: MIN_TIME, expirationAfterSession: EXPIRATION_AFTER_SESSION } } });
  });
  afterAll(async () => {
    await h.stop();
  });

  /** The display page's query, from the run's display.html reference. */
  async function displayPage(taskId: string): Promise<URLSearchParams> {
    await h.until('the display artifact', async () => (await h.client.listArtifacts(taskId, 0).catch(() => [])).some((a) => a.name === DISPLAY_ARTIFACT));
    const artifact = (await h.client.listArtifacts(taskId, 0)).find((a) => a.name === DISPLAY_ARTIFACT)!;
    expect(artifact.storageType).toBe('reference');
    const response = await fetch(h.client.artifactUrl(taskId, 0, DISPLAY_ARTIFACT), { redirect: 'manual' });
    expect(response.status).toBe(303);
    const page = new URL(response.headers.get('location')!);
    expect(page.origin + page.pathname).toBe(`${h.queue.rootUrl}/display/`);
    expect(page.searchParams.get('v')).toBe('1');
    expect(page.searchParams.get('taskId')).toBe(taskId);
    expect(page.searchParams.get('runId')).toBe('0');
    return page.searchParams;
  }

  it('lists :0, speaks RFB through x11vnc to ServerInit (640x480, the desktop name), keeps the container while the session is open, and refuses a wrong token', async () => {
    const taskId = await h.createTask(
      { image: X11_IMAGE, command: ['sh', '-c', 'Xvfb :0 -screen 0 640x480x24 -nolisten tcp & sleep 5'], maxRunTime: 90, features: { interactive: true } },
      { scopes: [FEATURE_SCOPE] },
    );
    const query = await displayPage(taskId);
    const socketUrl = query.get('socketUrl')!;
    const displaysUrl = query.get('displaysUrl')!;
    expect(socketUrl).toMatch(/^ws:\/\/[^/?]+\/[0-9a-f]{64}\/display\.sock$/);
    expect(displaysUrl).toMatch(/^http:\/\/[^/?]+\/[0-9a-f]{64}\/displays$/);

    // Xvfb takes a moment to make its socket: the page polls the listing as this does.
    let listing: unknown;
    await h.until('Xvfb to show in the listing', async () => {
      const response = await fetch(displaysUrl);
      expect(response.status).toBe(200);
      expect(response.headers.get('access-control-allow-origin')).toBe('*');
      listing = await response.json();
      return Array.isArray(listing) && listing.length > 0;
    });
    expect(listing).toEqual([{ display: ':0' }]);

    const wrongToken = socketUrl.replace(/\/[0-9a-f]{64}\//, `/${randomBytes(32).toString('hex')}/`);
    await expect(connect(`${wrongToken}?display=:0`)).rejects.toThrow(/404/);
    expect((await fetch(displaysUrl.replace(/\/[0-9a-f]{64}\//, `/${randomBytes(32).toString('hex')}/`))).status).toBe(404);

    const rfb = await connect(`${socketUrl}?display=:0`);
    const version = (await rfb.read(12)).toString('latin1');
    expect(version).toMatch(/^RFB 003\.00[378]\n$/);
    rfb.ws.send(Buffer.from('RFB 003.008\n', 'latin1'));
    const count = (await rfb.read(1))[0]!;
    expect(count).toBeGreaterThan(0);
    const types = [...(await rfb.read(count))];
    expect(types).toContain(1); // None: -nopw
    rfb.ws.send(Buffer.from([1]));
    expect((await rfb.read(4)).readUInt32BE(0)).toBe(0); // SecurityResult OK
    rfb.ws.send(Buffer.from([1])); // ClientInit: shared
    const init = await rfb.read(24);
    expect(init.readUInt16BE(0)).toBe(640);
    expect(init.readUInt16BE(2)).toBe(480);
    const name = (await rfb.read(init.readUInt32BE(20))).toString('utf8');
    expect(name).toBe(`:0 on taskId: ${taskId} runId: 0`);

    // The command ended (sleep 5) and minTime passed: the open display session holds the container.
    const started = Date.parse((await h.client.status(taskId)).runs[0]!.started!);
    await h.until('the command and minTime to pass', () => Date.now() > started + Math.max(MIN_TIME, 5) * 1000 + 2000, 30_000);
    expect((await h.client.status(taskId)).state).toBe('running');
    const closedAt = Date.now();
    rfb.ws.close();
    const status = await h.waitResolved(taskId, 30_000);
    expect(status.state).toBe('completed');
    expect(Date.now() - closedAt).toBeGreaterThanOrEqual(EXPIRATION_AFTER_SESSION * 1000 - 500);
    await expect(connect(`${socketUrl}?display=:0`)).rejects.toThrow(/404/);
  });

  it('tells a VNC client why when the image has no x11vnc, or no such display; the shell still works', async () => {
    const taskId = await h.createTask({ image: TEST_IMAGE, command: ['true'], maxRunTime: 60, features: { interactive: true } }, { scopes: [FEATURE_SCOPE] });
    const query = await displayPage(taskId);
    const listing = await fetch(query.get('displaysUrl')!);
    expect(await listing.json()).toEqual([]);

    const missing = await connect(`${query.get('socketUrl')!}?display=:0`);
    expect(await missing.refusal()).toMatch(/x11vnc is not on the task image's PATH/);
    expect((await missing.closed).reason).toMatch(/x11vnc/);

    const bad = await connect(`${query.get('socketUrl')!}?display=${encodeURIComponent('-rfbport')}`);
    expect(await bad.refusal()).toMatch(/display must name an X display/);

    // The shell artifact is there as before, and the run ends with its own status.
    expect((await h.client.listArtifacts(taskId, 0)).map((a) => a.name)).toContain('private/docker-worker/shell.html');
    expect((await h.waitResolved(taskId, 30_000)).state).toBe('completed');
  });

  it('says when x11vnc cannot open the display asked for', async () => {
    const taskId = await h.createTask({ image: X11_IMAGE, command: ['true'], maxRunTime: 60, features: { interactive: true } }, { scopes: [FEATURE_SCOPE] });
    const query = await displayPage(taskId);
    const session = await connect(`${query.get('socketUrl')!}?display=:7`);
    expect(await session.refusal()).toMatch(/cannot open display :7/);
    expect((await h.waitResolved(taskId, 30_000)).state).toBe('completed');
  });

  it('closes a display session when the task is canceled', async () => {
    const taskId = await h.createTask(
      { image: X11_IMAGE, command: ['sh', '-c', 'Xvfb :0 -screen 0 640x480x24 -nolisten tcp & sleep 60'], maxRunTime: 90, features: { interactive: true } },
      { scopes: [FEATURE_SCOPE] },
    );
    const query = await displayPage(taskId);
    await h.until('Xvfb', async () => ((await (await fetch(query.get('displaysUrl')!)).json()) as unknown[]).length > 0);
    const rfb = await connect(`${query.get('socketUrl')!}?display=:0`);
    expect((await rfb.read(12)).toString('latin1')).toMatch(/^RFB /);
    await h.client.cancelTask(taskId);
    expect((await rfb.closed).reason).toMatch(/canceled/);
    expect((await h.waitResolved(taskId)).state).toBe('exception');
  });
});
