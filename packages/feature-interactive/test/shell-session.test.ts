import { once } from 'node:events';
import type { AddressInfo } from 'node:net';
import { PassThrough, Writable } from 'node:stream';
import type { ContainerExec } from '@docker-worker/worker-contract';
import { WebSocket, WebSocketServer } from 'ws';
import { MESSAGE } from '../src/protocol.js';
import { ShellSession } from '../src/shell-session.js';

/** A process whose stdin takes nothing until `release()`, and whose output the test writes. */
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
  const resized: Array<{ rows: number; columns: number }> = [];
  const exec: ContainerExec = {
    stdin,
    output,
    resize: async (size) => void resized.push(size),
    exitCode: async () => exitCode,
    destroy: () => output.destroy(),
  };
  return { exec, received, resized, release: () => release?.(), output };
}

describe('a shell session over a real websocket', () => {
  let wss: WebSocketServer;
  let url: string;
  beforeAll(async () => {
    wss = new WebSocketServer({ port: 0, host: '127.0.0.1' });
    await once(wss, 'listening');
    url = `ws://127.0.0.1:${(wss.address() as AddressInfo).port}/`;
  });
  afterAll(() => new Promise<void>((done) => wss.close(() => done())));

  async function pair(exec: ContainerExec): Promise<{ client: WebSocket; messages: Buffer[]; session: Promise<ShellSession> }> {
    const session = once(wss, 'connection').then(([ws]) => new ShellSession(ws as WebSocket, exec));
    const client = new WebSocket(url);
    const messages: Buffer[] = [];
    client.on('message', (data: Buffer) => messages.push(data));
    await once(client, 'open');
    return { client, messages, session };
  }

  const until = async (what: string, predicate: () => boolean) => {
    const deadline = Date.now() + 5000;
    while (!predicate()) {
      if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
      await new Promise((r) => setTimeout(r, 10));
    }
  };

  it('resumes the client at once, pauses it while the process is not reading stdin, holds output while the client pauses, then sends the exit code', async () => {
    const fake = fakeExec(7);
    const { client, messages } = await pair(fake.exec);
    await until('resume', () => messages.some((m) => m[0] === MESSAGE.resume));
    client.send(Buffer.from([MESSAGE.stdin, 0xfa, 0xff, 0x0a, 1, 2, 3]));
    client.send(Buffer.from([MESSAGE.stdin, 4, 5, 6, 7, 8]));
    await until('pause', () => messages.some((m) => m[0] === MESSAGE.pause));
    const resumes = () => messages.filter((m) => m[0] === MESSAGE.resume).length;
    fake.release();
    await until('the second write', () => fake.received.length === 2);
    fake.release();
    await until('resume after the drain', () => resumes() === 2);
    expect(Buffer.concat(fake.received)).toEqual(Buffer.from([0xfa, 0xff, 0x0a, 1, 2, 3, 4, 5, 6, 7, 8]));

    const resize = Buffer.alloc(5);
    resize[0] = MESSAGE.resize;
    resize.writeUInt16LE(24, 1);
    resize.writeUInt16LE(80, 3);
    client.send(resize);
    await until('the resize', () => fake.resized.length === 1);
    expect(fake.resized).toEqual([{ rows: 24, columns: 80 }]);

    // The client's pause holds the process's output back; its resume lets it go.
    client.send(Buffer.from([MESSAGE.pause]));
    await until('the output held', () => fake.output.isPaused());
    client.send(Buffer.from([MESSAGE.resume]));
    await until('the output flowing', () => !fake.output.isPaused());

    fake.output.write({ stream: 'stdout', data: Buffer.from([0, 255]) });
    fake.output.write({ stream: 'stderr', data: Buffer.from('err') });
    fake.output.end();
    const closed = once(client, 'close');
    await until('stopped', () => messages.some((m) => m[0] === MESSAGE.stopped));
    await closed;
    expect(messages.filter((m) => m[0] === MESSAGE.stdout || m[0] === MESSAGE.stderr)).toEqual([Buffer.from([1, 0, 255]), Buffer.from([2, 0x65, 0x72, 0x72])]);
    expect(messages.at(-1)).toEqual(Buffer.from([MESSAGE.stopped, 7]));
  });

  it('close(message) puts the reason on stderr, then shutdown, and drops the process', async () => {
    const fake = fakeExec(0);
    const { client, messages, session } = await pair(fake.exec);
    const closed = once(client, 'close');
    (await session).close('the task run was canceled');
    await closed;
    expect(messages.at(-2)!.subarray(1).toString()).toContain('the task run was canceled');
    expect(messages.at(-2)![0]).toBe(MESSAGE.stderr);
    expect(messages.at(-1)).toEqual(Buffer.from([MESSAGE.shutdown]));
    expect(fake.output.destroyed).toBe(true);
  });
});
