/**
 * Real metrics servers for the tests, each on loopback on a free port, with its data under the
 * test's temporary directory, stopped afterwards: Debian's InfluxDB 1.6 (with a shim for the v2
 * write path the client speaks) and Debian's Prometheus.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { once } from 'node:events';
import { mkdir, writeFile } from 'node:fs/promises';
import { createServer, request, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { join } from 'node:path';

/** A port nothing listens on right now (the servers below cannot be told to pick one). */
export async function freePort(): Promise<number> {
  const server = createServer();
  server.listen(0, '127.0.0.1');
  await once(server, 'listening');
  const { port } = server.address() as AddressInfo;
  await new Promise((done) => server.close(done));
  return port;
}

async function until(what: string, check: () => Promise<boolean>, child: ChildProcess, output: () => string, timeoutMs = 30_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!(await check().catch(() => false))) {
    if (child.exitCode !== null) throw new Error(`${what} exited (${child.exitCode}): ${output()}`);
    if (Date.now() > deadline) throw new Error(`${what} not ready after ${timeoutMs} ms: ${output()}`);
    await new Promise((r) => setTimeout(r, 100));
  }
}

function spawnLogged(command: string, args: string[]): { child: ChildProcess; output: () => string } {
  const child = spawn(command, args, { stdio: ['ignore', 'pipe', 'pipe'] });
  let output = '';
  const keep = (chunk: Buffer) => (output = (output + chunk.toString()).slice(-4000));
  child.stdout!.on('data', keep);
  child.stderr!.on('data', keep);
  return { child, output: () => output };
}

async function stopChild(child: ChildProcess): Promise<void> {
  if (child.exitCode !== null || child.signalCode !== null) return;
  const exited = once(child, 'exit');
  child.kill('SIGTERM');
  const timer = setTimeout(() => child.kill('SIGKILL'), 10_000);
  await exited;
  clearTimeout(timer);
}

export class InfluxServer {
  url = '';
  #child: ChildProcess | undefined;

  /** `influxd` with its own config, meta, data and WAL directories under `dir`. */
  async start(dir: string): Promise<void> {
    await mkdir(dir, { recursive: true });
    const [http, rpc] = [await freePort(), await freePort()];
    const config = join(dir, 'influxdb.conf');
    await writeFile(
      config,
      [
        'reporting-disabled = true',
        `bind-address = "127.0.0.1:${rpc}"`,
        '[meta]',
        `  dir = "${join(dir, 'meta')}"`,
        '[data]',
        `  dir = "${join(dir, 'data')}"`,
        `  wal-dir = "${join(dir, 'wal')}"`,
        '  query-log-enabled = false',
        '[monitor]',
        '  store-enabled = false',
        '[http]',
        `  bind-address = "127.0.0.1:${http}"`,
        '  log-enabled = false',
        '[ifql]',
        '  enabled = false',
        '[logging]',
        '  level = "warn"',
        '',
      ].join('\n'),
    );
    const { child, output } = spawnLogged('influxd', ['run', '-config', config]);
    this.#child = child;
    this.url = `http://127.0.0.1:${http}`;
    await until('influxd', async () => (await fetch(`${this.url}/ping`)).status === 204, child, output);
  }

  /** One InfluxQL statement through `/query`; the first result's series. */
  async query(q: string, db?: string): Promise<Array<{ name: string; columns: string[]; values: unknown[][]; tags?: Record<string, string> }>> {
    const params = new URLSearchParams({ q, ...(db && { db }) });
    const response = await fetch(`${this.url}/query?${params}`, { method: 'POST' });
    const body = (await response.json()) as { results: Array<{ series?: never[]; error?: string }>; error?: string };
    const error = body.error ?? body.results[0]?.error;
    if (!response.ok || error) throw new Error(`InfluxQL ${q}: ${response.status} ${error}`);
    return body.results[0]?.series ?? [];
  }

  /** Rows of a query as objects, column name to value. */
  async rows(q: string, db: string): Promise<Array<Record<string, unknown>>> {
    const series = await this.query(q, db);
    return series.flatMap((s) => s.values.map((row) => ({ ...s.tags, ...Object.fromEntries(s.columns.map((c, i) => [c, row[i]])) })));
  }

  async stop(): Promise<void> {
    if (this.#child) await stopChild(this.#child);
  }
}

/**
 * InfluxDB 1.x has `/write?db=..&rp=..` but not the v2 `/api/v2/write?bucket=db/rp` the client
 * posts to: this maps one onto the other, headers and body as they are. `failWith` makes it
 * answer every write with that status instead (an InfluxDB in trouble).
 */
export class V2WriteShim {
  url = '';
  failWith: number | undefined;
  /** Writes it answered, by status. */
  answered = new Map<number, number>();
  #server: Server | undefined;

  async start(target: string): Promise<void> {
    const precision: Record<string, string> = { ns: 'n', us: 'u', ms: 'ms', s: 's' };
    this.#server = createServer((req, res) => {
      const incoming = new URL(req.url ?? '/', 'http://shim');
      const answer = (status: number, body = '') => {
        this.answered.set(status, (this.answered.get(status) ?? 0) + 1);
        res.writeHead(status, { 'content-type': 'application/json' }).end(body);
      };
      if (incoming.pathname !== '/api/v2/write') return answer(404, '{"message":"only /api/v2/write here"}');
      if (this.failWith !== undefined) {
        req.resume();
        return answer(this.failWith, '{"code":"internal error","message":"the test says no"}');
      }
      const [db, rp] = (incoming.searchParams.get('bucket') ?? '').split('/');
      const params = new URLSearchParams({ db: db ?? '', ...(rp && { rp }), precision: precision[incoming.searchParams.get('precision') ?? 'ns'] ?? 'n' });
      const upstream = request(`${target}/write?${params}`, { method: 'POST', headers: { 'content-type': 'text/plain', ...(req.headers['content-encoding'] && { 'content-encoding': req.headers['content-encoding'] }) } }, (up) => {
        const chunks: Buffer[] = [];
        up.on('data', (c: Buffer) => chunks.push(c));
        up.on('end', () => answer(up.statusCode ?? 502, Buffer.concat(chunks).toString()));
      });
      upstream.on('error', (err) => answer(502, JSON.stringify({ message: err.message })));
      req.pipe(upstream);
    });
    this.#server.listen(0, '127.0.0.1');
    await once(this.#server, 'listening');
    this.url = `http://127.0.0.1:${(this.#server.address() as AddressInfo).port}`;
  }

  async stop(): Promise<void> {
    const server = this.#server;
    if (!server) return;
    server.closeAllConnections();
    await new Promise((done) => server.close(done));
  }
}

export class PrometheusServer {
  url = '';
  #child: ChildProcess | undefined;

  /** `prometheus` scraping `targets` (host:port) every second, its config and storage under `dir`. */
  async start(dir: string, targets: string[]): Promise<void> {
    await mkdir(dir, { recursive: true });
    const port = await freePort();
    const config = join(dir, 'prometheus.yml');
    await writeFile(
      config,
      [
        'global:',
        '  scrape_interval: 1s',
        '  evaluation_interval: 1s',
        'scrape_configs:',
        '  - job_name: docker-worker',
        '    static_configs:',
        `      - targets: [${targets.map((t) => JSON.stringify(t)).join(', ')}]`,
        '',
      ].join('\n'),
    );
    const { child, output } = spawnLogged('prometheus', [
      `--config.file=${config}`,
      `--storage.tsdb.path=${join(dir, 'data')}`,
      `--web.listen-address=127.0.0.1:${port}`,
      '--log.level=warn',
    ]);
    this.#child = child;
    this.url = `http://127.0.0.1:${port}`;
    await until('prometheus', async () => (await fetch(`${this.url}/-/ready`)).ok, child, output);
  }

  /** An instant PromQL query: each series' labels and value. */
  async query(q: string): Promise<Array<{ metric: Record<string, string>; value: number }>> {
    const response = await fetch(`${this.url}/api/v1/query?${new URLSearchParams({ query: q })}`);
    const body = (await response.json()) as { status: string; error?: string; data: { result: Array<{ metric: Record<string, string>; value: [number, string] }> } };
    if (body.status !== 'success') throw new Error(`PromQL ${q}: ${body.error}`);
    return body.data.result.map((r) => ({ metric: r.metric, value: Number(r.value[1]) }));
  }

  async stop(): Promise<void> {
    if (this.#child) await stopChild(this.#child);
  }
}
