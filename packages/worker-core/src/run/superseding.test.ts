import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { fetchSupersederList } from './superseding.js';

describe('fetchSupersederList: anything unusable means "run alone"', () => {
  let server: Server;
  let reply: (res: import('node:http').ServerResponse, url: URL) => void = () => {};
  let base = '';
  beforeAll(async () => {
    server = createServer((req, res) => reply(res, new URL(req.url ?? '/', 'http://x')));
    await new Promise<void>((ready) => server.listen(0, '127.0.0.1', ready));
    base = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  });
  afterAll(async () => {
    server.closeAllConnections();
    await new Promise((done) => server.close(done));
  });

  function json(body: unknown, status = 200) {
    return (res: import('node:http').ServerResponse) => {
      res.writeHead(status, { 'content-type': 'application/json' });
      res.end(typeof body === 'string' ? body : JSON.stringify(body));
    };
  }

  it('passes the claimed taskId as a query parameter, keeping the URL’s own', async () => {
    let seen: URL | undefined;
    reply = (res, url) => {
      seen = url;
      json({ supersedes: ['B', 'A', 'B'] })(res);
    };
    expect(await fetchSupersederList(`${base}/s?project=x`, 'A')).toEqual({ taskIds: ['B', 'A'] });
    expect(seen?.searchParams.get('taskId')).toBe('A');
    expect(seen?.searchParams.get('project')).toBe('x');
  });

  it.each([
    ['not http(s)', 'ftp://example.com/x', /not an http\(s\) URL/],
    ['not a string', 42, /not an http\(s\) URL/],
    ['non-printable', 'http://example.com/\n', /not an http\(s\) URL/],
  ])('a supersederUrl that is %s', async (_what, url, why) => {
    const answer = await fetchSupersederList(url, 'A');
    expect('ignored' in answer && answer.ignored).toMatch(why);
  });

  it.each([
    ['an HTTP error', json({}, 500), /answered HTTP 500/],
    ['a body that is not JSON', json('<html>'), /could not be asked/],
    ['no list', json({ tasks: ['A'] }), /without a "supersedes" list/],
    ['a list of non-strings', json({ supersedes: ['A', 7] }), /without a "supersedes" list/],
    ['a list without the claimed task', json({ supersedes: ['B'] }), /does not name the claimed task A/],
    ['an empty list', json({ supersedes: [] }), /does not name the claimed task A/],
    ['only the claimed task', json({ supersedes: ['A'] }), /names no other task/],
  ])('%s', async (_what, handler, why) => {
    reply = handler;
    const answer = await fetchSupersederList(`${base}/s`, 'A');
    expect('ignored' in answer && answer.ignored).toMatch(why);
  });

  it('a superseder slower than the timeout', async () => {
    reply = (res) => void setTimeout(() => json({ supersedes: ['A', 'B'] })(res), 2000).unref();
    const started = Date.now();
    const answer = await fetchSupersederList(`${base}/s`, 'A', { timeoutMs: 200 });
    expect('ignored' in answer && answer.ignored).toMatch(/could not be asked/);
    expect(Date.now() - started).toBeLessThan(1500);
  });

  it('nothing listening', async () => {
    const answer = await fetchSupersederList('http://127.0.0.1:9/s', 'A');
    expect('ignored' in answer && answer.ignored).toMatch(/could not be asked/);
  });
});
