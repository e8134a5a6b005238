import { once } from 'node:events';
import type { AddressInfo } from 'node:net';
import { PassThrough, Writable } from 'node:stream';
import type { ContainerExec } from '@docker-worker/worker-contract';
import { WebSocket, WebSocketServer } from 'ws';
import { DisplaySession } from '../src/display-session.js';

/** x11vnc as the session sees it: a stdin that takes nothing until `release()`, an output the test writes. */
function fakeExec(exitCode: number) {
  const received: Buffer[] = [];
  let release: (() => void) | undefined;
  const stdin = new Writable({
    highWaterMark: 4,
    write(chunk: Buffer, _enc, done) {
      received.push(chunk);
      release = done;
    },
  });
  const output = new PassThrough({ objectMode: true });
  let destroyed = false;
  const exec: ContainerExec = {
    stdin,
    output,
    resize: async () => {},
    exitCode: async () => exitCode,
    destroy: () => {
      destroyed = true;
      output.destroy();
    },
  };
  return { exec, received, release: () => release?.(), output, destroyed: () => destroyed };
}

const until = async (what: string, predicate: () => boolean) => {
  const deadline = Date.now() + 5000;
  while (!predicate()) {
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 10));
  }
};

describe('a display session over a real websocket', () => {
  let wss: WebSocketServer;
  let url: string;
  beforeAll(async () => {
    wss = new WebSocketServer({ port: 0, host: '127.0.0.1' });
    await once(wss, 'listening');
    url = `ws://127.0.0.1:${(wss.address() as AddressInfo).port}/`;
  });
  afterAll(() => new Promise<void>((done) => wss.close(() => done())));

  async function pair(exec: ContainerExec) {
    let server!: WebSocket;
    const session = once(wss, 'connection').then(([ws]) => {
      server = ws as WebSocket;
      return new DisplaySession(server, exec, (code, stderr) => `code ${code}: ${stderr.trim()}`);
    });
    const client = new WebSocket(url);
    const received: Buffer[] = [];
    client.on('message', (data: Buffer) => received.push(data));
    const closed = new Promise<{ code: number; reason: string }>((resolve) => client.once('close', (code, reason) => resolve({ code, reason: reason.toString() })));
    await once(client, 'open');
    return { client, received, closed, session: await session, server };
  }

  it('carries bytes exactly both ways (stderr kept out), pauses the client while stdin is full, and closes when x11vnc exits', async () => {
    const fake = fakeExec(0);
    const { client, received, closed, session, server } = await pair(fake.exec);
    fake.output.write({ stream: 'stdout', data: Buffer.from('RFB 003.008\n') });
    fake.output.write({ stream: 'stderr', data: Buffer.from('log line\n') });
    await until('the banner', () => Buffer.concat(received).length === 12);
    expect(Buffer.concat(received).toString()).toBe('RFB 003.008\n');

    client.send(Buffer.from([0xfa, 0xff, 0x0a]));
    client.send(Buffer.from('more than four bytes'));
    await until('stdin to get the first write', () => fake.received.length === 1);
    expect(fake.received[0]).toEqual(Buffer.from([0xfa, 0xff, 0x0a]));
    // stdin is full (it took nothing yet): the client's socket is no longer read.
    await until('the client to be paused', () => server.isPaused);
    fake.release();
    await until('the rest', () => Buffer.concat(fake.received).length === 23);
    expect(server.isPaused).toBe(true);
    fake.release();
    await until('the client to be read again', () => !server.isPaused);

    fake.output.end();
    expect(await closed).toEqual({ code: 1000, reason: '[taskcluster] x11vnc exited with code 0' });
    await session.done;
    expect(fake.destroyed()).toBe(true);
  });

  it('stops reading x11vnc while the client does not take what was sent, and goes on when it does', async () => {
    const fake = fakeExec(0);
    const { client, received, closed } = await pair(fake.exec);
    client.pause();
    const chunk = Buffer.alloc(1024 * 1024, 7);
    let written = 0;
    // Loopback socket buffers hold some megabytes: write until the session holds x11vnc back.
    while (!fake.output.isPaused() && written < 256 * chunk.length) {
      fake.output.write({ stream: 'stdout', data: chunk });
      written += chunk.length;
      await new Promise((r) => setTimeout(r, 5));
    }
    expect(fake.output.isPaused()).toBe(true);
    client.resume();
    await until('every byte to arrive', () => received.reduce((n, b) => n + b.length, 0) === written);
    await until('x11vnc to be read again', () => !fake.output.isPaused());
    fake.output.end();
    expect((await closed).code).toBe(1000);
  });

  it('when x11vnc ends before speaking, the client gets an RFB refusal with the reason from its stderr', async () => {
    const fake = fakeExec(127);
    const { client, received, closed } = await pair(fake.exec);
    fake.output.write({ stream: 'stderr', data: Buffer.from('cannot run x11vnc\n') });
    fake.output.end();
    await until('the version', () => Buffer.concat(received).length === 12);
    expect(Buffer.concat(received).toString()).toBe('RFB 003.008\n');
    client.send(Buffer.from('RFB 003.008\n'));
    await until('the refusal', () => Buffer.concat(received).length > 12);
    const refusal = Buffer.concat(received).subarray(12);
    expect(refusal[0]).toBe(0);
    const reason = refusal.subarray(5, 5 + refusal.readUInt32BE(1)).toString();
    expect(reason).toBe('[taskcluster] code 127: cannot run x11vnc');
    expect((await closed).reason).toBe(reason);
  });

  it('close(message) ends a session that is serving with the message as the close reason', async () => {
    const fake = fakeExec(0);
    const { received, closed, session } = await pair(fake.exec);
    fake.output.write({ stream: 'stdout', data: Buffer.from('RFB 003.008\n') });
    await until('the banner', () => received.length > 0);
    session.close('the task run was canceled');
    expect(await closed).toEqual({ code: 1000, reason: '[taskcluster] the task run was canceled' });
    expect(fake.destroyed()).toBe(true);
  });
});
