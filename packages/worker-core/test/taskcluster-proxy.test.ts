import { execFile } from 'node:child_process';
import { promisify } from 'node:util';
import { LABELS } from '@docker-worker/worker-contract';
import { Harness, TEST_IMAGE } from './harness.js';

const run = promisify(execFile);
const FEATURE_SCOPE = 'docker-worker:feature:taskclusterProxy';

/** The networks (ids) the engine still has for a task's runs. */
async function networksOf(taskId: string): Promise<string[]> {
  const { stdout } = await run('docker', ['network', 'ls', '-q', '--filter', `label=${LABELS.taskId}=${taskId}`]);
  return stdout.split('\n').filter(Boolean);
}

/** The gateway address of a network. */
async function gatewayOf(network: string): Promise<string> {
  const { stdout } = await run('docker', ['network', 'inspect', '-f', '{{range .IPAM.Config}}{{.Gateway}}{{end}}', network]);
  return stdout.trim();
}

/** The TCP addresses this process (where the worker and its features run) listens on. */
async function ourListeners(): Promise<string[]> {
  const { stdout } = await run('ss', ['-Hltnp']);
  return stdout
    .split('\n')
    .filter((line) => line.includes(`pid=${process.pid},`))
    .map((line) => line.trim().split(/\s+/)[3] ?? '');
}

function proxyTask(script: string, maxRunTime = 60) {
  return { image: TEST_IMAGE, command: ['sh', '-c', script], maxRunTime, features: { taskclusterProxy: true } };
}

describe('taskclusterProxy: tasks call the queue through their own proxy (real engine, embedded queue)', () => {
  const h = new Harness();
  beforeAll(async () => {
    await h.start();
    await h.startWorker({ capacity: 2 });
  });
  afterAll(async () => {
    await h.stop();
  });

  it('serves the root-URL and shortcut forms, creates the run artifacts, passes a 403 back, and is gone after the run', async () => {
    const script = [
      'echo "url=$TASKCLUSTER_PROXY_URL"',
      'grep -w taskcluster /etc/hosts',
      'wget -q -O- "http://taskcluster/api/queue/v1/task/$TASK_ID"; echo " root-form=$?"',
      'wget -q -O- "$TASKCLUSTER_PROXY_URL/queue/v1/task/$TASK_ID"; echo " shortcut-form=$?"',
      // The task may not read statuses: the queue's 403 comes back.
      'wget -S -O- "http://taskcluster/queue/v1/task/$TASK_ID/status" 2>&1 | grep "HTTP/1.1"',
      `wget -q -O- --header "Content-Type: application/json" --post-data '{"storageType":"reference","expires":"'"$EXPIRES"'","url":"https://example.com/r","contentType":"text/plain"}' ` +
        '"http://taskcluster/queue/v1/task/$TASK_ID/runs/$RUN_ID/artifacts/public/ref"; echo " artifact=$?"',
    ].join('\n');
    const expires = new Date(Date.now() + 12 * 3600_000).toJSON();
    const taskId = await h.createTask({ ...proxyTask(script), env: { EXPIRES: expires } }, { scopes: [FEATURE_SCOPE, 'queue:get-task:*'] });
    const status = await h.waitResolved(taskId);
    const log = await h.backingLog(taskId);
    expect(status.state).toBe('completed');
    expect(log).toMatch(/url=http:\/\/taskcluster\n/);
    expect(log).toMatch(/"name":"test".* root-form=0/);
    expect(log).toMatch(/"name":"test".* shortcut-form=0/);
    expect(log).toMatch(/HTTP\/1\.1 403/);
    expect(log).toMatch(/"storageType":"reference".* artifact=0/);
    expect((await h.client.listArtifacts(taskId, 0)).map((a) => a.name)).toContain('public/ref');

    // The run's network went with it, and nothing listens where the proxy was.
    const gateway = /^(\d+\.\d+\.\d+\.\d+)\s+taskcluster/m.exec(log)?.[1];
    expect(gateway).toBeDefined();
    expect(await networksOf(taskId)).toEqual([]);
    expect(await ourListeners()).not.toContain(`${gateway}:80`);
  });

  it('is refused without the feature scope', async () => {
    const taskId = await h.createTask(proxyTask('true'), { scopes: [] });
    const status = await h.waitResolved(taskId);
    expect(status.runs[0]!.reasonResolved).toBe('malformed-payload');
    expect(await h.backingLog(taskId)).toMatch(/docker-worker:feature:taskclusterProxy/);
    expect(await networksOf(taskId)).toEqual([]);
  });

  it('gives two concurrent tasks a proxy each, neither reachable from the other', async () => {
    const namespace = (taskId: string) => `proxy-test.release.${taskId}`;
    // B holds its proxy (and network) open until the test releases it through the index.
    const b = await h.createTask(
      proxyTask('until wget -q -O /dev/null "http://taskcluster/index/v1/task/proxy-test.release.$TASK_ID"; do sleep 0.2; done; echo released'),
      { scopes: [FEATURE_SCOPE, 'index:find-task:proxy-test.*'] },
    );
    await h.until('task B to have its network', async () => (await networksOf(b)).length === 1);
    const gatewayB = await gatewayOf((await networksOf(b))[0]!);
    // The proxy listens there from link on, before the container is created.
    expect(await ourListeners()).toContain(`${gatewayB}:80`);
    const a = await h.createTask(
      proxyTask(
        [
          'wget -q -O /dev/null "http://taskcluster/api/queue/v1/task/$TASK_ID" && echo own=ok',
          `wget -T 5 -q -O /dev/null "http://${gatewayB}/api/queue/v1/task/$TASK_ID" && echo other=reached || echo other=refused`,
        ].join('\n'),
      ),
      { scopes: [FEATURE_SCOPE, 'queue:get-task:*'] },
    );
    expect((await h.waitResolved(a)).state).toBe('completed');
    const logA = await h.backingLog(a);
    expect(logA).toMatch(/own=ok/);
    expect(logA).toMatch(/other=refused/);
    h.queue.index.insert(namespace(b), b);
    expect((await h.waitResolved(b)).state).toBe('completed');
    expect(await h.backingLog(b)).toMatch(/released/);
  });
});

describe('taskclusterProxy across reclaims (short claims)', () => {
  const h = new Harness();
  beforeAll(async () => {
    // A 4 s claim is reclaimed every 2 s: the credentials a run started with are gone within seconds.
    await h.start({ claimTimeout: 4 });
    await h.startWorker();
  });
  afterAll(async () => {
    await h.stop();
  });

  it('logs "Credentials updated" and later calls use the new credentials', async () => {
    const script = [
      'wget -q -O /dev/null "http://taskcluster/queue/v1/task/$TASK_ID" && echo first=ok',
      // Past the first claim's expiry: only reclaimed credentials still work.
      'sleep 6',
      'wget -q -O /dev/null "http://taskcluster/queue/v1/task/$TASK_ID" && echo second=ok',
    ].join('\n');
    const taskId = await h.createTask(proxyTask(script), { scopes: [FEATURE_SCOPE, 'queue:get-task:*'] });
    const status = await h.waitResolved(taskId);
    const log = await h.backingLog(taskId);
    expect(status.state).toBe('completed');
    expect(log).toMatch(/first=ok/);
    expect(log).toMatch(/Credentials updated/);
    expect(log).toMatch(/second=ok/);
  });

  it('removes the network and stops the proxy when the run is canceled', async () => {
    const taskId = await h.createTask(proxyTask('sleep 120', 300), { scopes: [FEATURE_SCOPE] });
    await h.until('the run to have its network', async () => (await networksOf(taskId)).length === 1);
    const gateway = await gatewayOf((await networksOf(taskId))[0]!);
    await h.until('the proxy to listen', async () => (await ourListeners()).includes(`${gateway}:80`));
    await h.client.cancelTask(taskId);
    const status = await h.waitResolved(taskId);
    expect(status.runs[0]!.reasonResolved).toBe('canceled');
    // The queue resolves at once; the worker hears of it at its next reclaim and tears down.
    await h.until('the network to be removed', async () => (await networksOf(taskId)).length === 0);
    expect(await ourListeners()).not.toContain(`${gateway}:80`);
  });
});

describe('taskclusterProxy /bewit, the queue reachable from containers', () => {
  const h = new Harness();
  beforeAll(async () => {
    // On the engine's default bridge address, so a container can fetch a signed URL directly.
    const { stdout } = await run('ip', ['-4', '-o', 'addr', 'show', 'docker0']);
    const host = /inet (\d+\.\d+\.\d+\.\d+)/.exec(stdout)?.[1];
    if (!host) throw new Error(`docker0 has no IPv4 address: ${stdout}`);
    await h.start({ host });
    await h.startWorker();
  });
  afterAll(async () => {
    await h.stop();
  });

  it('signs a URL a plain wget then reads without credentials, where the unsigned one is refused', async () => {
    const artifact = '$TASKCLUSTER_ROOT_URL/api/queue/v1/task/$TASK_ID/runs/$RUN_ID/artifacts/private/ping';
    const script = [
      // A private artifact pointing at the queue's ping: reading it needs queue:get-artifact:private/ping.
      `wget -q -O /dev/null --header "Content-Type: application/json" --post-data '{"storageType":"reference","expires":"'"$EXPIRES"'","url":"'"$TASKCLUSTER_ROOT_URL"'/api/queue/v1/ping","contentType":"application/json"}' ` +
        '"http://taskcluster/queue/v1/task/$TASK_ID/runs/$RUN_ID/artifacts/private/ping" && echo created',
      `wget -q -O /dev/null "${artifact}" 2>&1 || echo unsigned=refused`,
      // The signed URL is the 303's Location (busybox wget would follow it as a POST, which a bewit does not allow).
      `signed=$(wget -S -O /dev/null --post-data "${artifact}" http://taskcluster/bewit 2>&1 | tr -d '\\r' | sed -n 's/^ *[Ll]ocation: //p' | head -1)`,
      'echo "signed: $signed"',
      // Straight to the queue, no proxy, no credentials.
      'wget -q -O- "$signed"; echo " signed=$?"',
    ].join('\n');
    const expires = new Date(Date.now() + 12 * 3600_000).toJSON();
    const taskId = await h.createTask(
      { image: TEST_IMAGE, command: ['sh', '-c', script], maxRunTime: 60, features: { taskclusterProxy: true }, env: { EXPIRES: expires } },
      { scopes: [FEATURE_SCOPE, 'queue:get-artifact:private/ping'] },
    );
    const status = await h.waitResolved(taskId);
    const log = await h.backingLog(taskId);
    expect(status.state).toBe('completed');
    expect(log).toMatch(/created/);
    expect(log).toMatch(/unsigned=refused/);
    expect(log).toMatch(/"alive":true.* signed=0/);
  });
});
