import { WebSocket } from 'ws';
import { InteractiveServer } from '../src/interactive-server.js';

/** Opens a websocket: the HTTP status it was refused with, or 101 once open. */
function connect(url: string): Promise<{ status: number; socket?: WebSocket }> {
  return new Promise((resolve, reject) => {
    const socket = new WebSocket(url);
    socket.once('unexpected-response', (_req, res) => {
      resolve({ status: res.statusCode ?? 0 });
      socket.terminate();
    });
    socket.once('open', () => resolve({ status: 101, socket }));
    socket.once('error', (err) => reject(err));
  });
}

describe('the interactive server', () => {
  const server = new InteractiveServer({ host: '127.0.0.1', port: 0, publicHostname: 'localhost' });
  beforeAll(() => server.start());
  afterAll(() => server.stop());

  it('hands a registered socket to its run with the query; refuses a wrong token, an unregistered run and plain requests before any handler runs', async () => {
    const seen: string[] = [];
    const announced: string[] = [];
    server.on('registered', ({ socketUrl }) => announced.push(socketUrl));
    const registration = server.register((ws, query) => {
      seen.push(query.getAll('command').join(' '));
      ws.close();
    });
    expect(announced).toEqual([registration.socketUrl]);
    expect(registration.socketUrl).toMatch(new RegExp(`^ws://localhost:${server.port}/[0-9a-f]{64}/shell\\.sock$`));

    const right = await connect(`${registration.socketUrl}?tty=false&command=echo&command=hi`);
    expect(right.status).toBe(101);
    right.socket!.close();
    const wrong = registration.socketUrl.replace(/\/[0-9a-f]{64}\//, `/${'0'.repeat(64)}/`);
    expect((await connect(wrong)).status).toBe(404);
    expect((await connect(registration.socketUrl.replace('shell.sock', 'display.sock'))).status).toBe(404);
    const plain = await fetch(registration.socketUrl.replace('ws:', 'http:'));
    expect(plain.status).toBe(426);

    registration.unregister();
    expect((await connect(registration.socketUrl)).status).toBe(404);
    expect(seen).toEqual(['echo hi']);
  });

  it('serves a run\'s display socket and listing under the same token; the listing is JSON any origin may read', async () => {
    const queries: string[] = [];
    let listing: () => Promise<unknown> = async () => [{ display: ':0' }];
    const registration = server.register(
      (ws) => ws.close(),
      {
        display: (ws, query) => {
          queries.push(query.get('display')!);
          ws.close();
        },
        displays: () => listing(),
      },
    );
    const token = /\/([0-9a-f]{64})\//.exec(registration.socketUrl)![1];
    expect(registration.displaySocketUrl).toBe(`ws://localhost:${server.port}/${token}/display.sock`);
    expect(registration.displaysUrl).toBe(`http://localhost:${server.port}/${token}/displays`);

    const open = await connect(`${registration.displaySocketUrl}?display=:0`);
    expect(open.status).toBe(101);
    open.socket!.close();
    expect(queries).toEqual([':0']);

    const response = await fetch(registration.displaysUrl!);
    expect(response.status).toBe(200);
    expect(response.headers.get('access-control-allow-origin')).toBe('*');
    expect(await response.json()).toEqual([{ display: ':0' }]);
    listing = () => Promise.reject(new Error('the task has not started yet'));
    const failed = await fetch(registration.displaysUrl!);
    expect(failed.status).toBe(503);
    expect(await failed.json()).toEqual({ message: 'the task has not started yet' });
    expect((await fetch(registration.displaysUrl!, { method: 'POST' })).status).toBe(405);
    expect((await fetch(registration.displaysUrl!.replace(token!, '1'.repeat(64)))).status).toBe(404);
    expect((await fetch(registration.displaySocketUrl!.replace('ws:', 'http:'))).status).toBe(426);

    registration.unregister();
    expect((await connect(registration.displaySocketUrl!)).status).toBe(404);
    expect((await fetch(registration.displaysUrl!)).status).toBe(404);
  });

  it('says which address it cannot listen on', async () => {
    const other = new InteractiveServer({ host: '127.0.0.1', port: server.port, publicHostname: 'localhost' });
    await expect(other.start()).rejects.toThrow(`features.interactive: the interactive server cannot listen on 127.0.0.1:${server.port}`);
  });
});
