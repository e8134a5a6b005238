import { Harness, TEST_IMAGE } from './harness.js';

describe('a task runs end to end on the real engine and the embedded queue', () => {
  const h = new Harness();
  beforeAll(async () => {
    await h.start();
    await h.startWorker({ capacity: 2 });
  });
  afterAll(async () => {
    await h.stop();
  });

  it('echo hello → completed, with header, output and success footer in the backing log', async () => {
    const taskId = await h.createTask({ image: TEST_IMAGE, command: ['sh', '-c', 'echo hello; echo "task=$TASK_ID run=$RUN_ID"'], maxRunTime: 60 });
    const status = await h.waitResolved(taskId);
    expect(status.state).toBe('completed');
    const text = await h.backingLog(taskId);
    const lines = text.split('\n');
    expect(lines[0]).toMatch(/^\[taskcluster \d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{3}Z\] Task ID: /);
    expect(lines[0]).toContain(taskId);
    expect(lines[1]).toMatch(/\] Worker ID: w0$/);
    expect(lines[2]).toContain(`Worker Group: ${h.workerGroup}`);
    expect(lines[3]).toContain('Worker Node Type: standalone');
    expect(lines[4]).toContain(`Worker Type: ${h.workerType}`);
    expect(lines[5]).toContain('Public IP:');
    expect(text).toContain('\nhello\n');
    expect(text).toContain(`task=${taskId} run=0`);
    const footer = lines.filter((l) => l.startsWith('[taskcluster')).pop();
    expect(footer).toMatch(/Successful task run with exit code: 0 completed in \d+\.\d{3} seconds$/);
  });

  it('exit 3 → failed, footer names the exit code', async () => {
    const taskId = await h.createTask({ image: TEST_IMAGE, command: ['sh', '-c', 'echo bye; exit 3'], maxRunTime: 60 });
    expect((await h.waitResolved(taskId)).state).toBe('failed');
    const text = await h.backingLog(taskId);
    expect(text.trim().split('\n').pop()).toMatch(/Unsuccessful task run with exit code: 3 completed in/);
  });

  it('the reserved environment variables reach the container and payload.env cannot override them', async () => {
    const taskId = await h.createTask({
      image: TEST_IMAGE,
      command: ['sh', '-c', 'env | sort'],
      env: { GREETING: 'hi there', TASK_ID: 'spoofed' },
      maxRunTime: 60,
    });
    expect((await h.waitResolved(taskId)).state).toBe('completed');
    const text = await h.backingLog(taskId);
    expect(text).toContain('GREETING=hi there');
    expect(text).toContain(`TASK_ID=${taskId}`);
    expect(text).not.toContain('TASK_ID=spoofed');
    expect(text).toContain(`TASKCLUSTER_ROOT_URL=${h.queue.rootUrl}`);
    expect(text).toContain(`TASKCLUSTER_WORKER_TYPE=${h.workerType}`);
    expect(text).toContain(`TASKCLUSTER_WORKER_GROUP=${h.workerGroup}`);
    expect(text).toContain('TASKCLUSTER_INSTANCE_TYPE=standalone');
    expect(text).toContain('TASKCLUSTER_PUBLIC_IP=');
    expect(text).toContain('RUN_ID=0');
  });

  it('an invalid payload → exception malformed-payload, every bad field in the log, no container', async () => {
    const before = await h.containers();
    const taskId = await h.createTask({ image: TEST_IMAGE, command: 'not-a-list', maxRunTime: 'hello' });
    const status = await h.waitResolved(taskId);
    expect(status.state).toBe('exception');
    expect(status.runs[0]!.reasonResolved).toBe('malformed-payload');
    const text = await h.backingLog(taskId);
    expect(text).toContain('[taskcluster:error] The task payload is invalid');
    expect(text).toContain('payload.maxRunTime');
    expect(text).toContain('payload.command');
    expect(await h.containers()).toEqual(before);
  });

  it('unknown and retired features are malformed-payload with their own sentences', async () => {
    const taskId = await h.createTask({ image: TEST_IMAGE, maxRunTime: 60, features: { noSuchThing: true, relengAPIProxy: true } });
    const status = await h.waitResolved(taskId);
    expect(status.runs[0]!.reasonResolved).toBe('malformed-payload');
    const text = await h.backingLog(taskId);
    expect(text).toContain('payload.features.noSuchThing is not a feature this worker offers');
    expect(text).toContain('payload.features.relengAPIProxy is retired');
  });

  it('an image that exists nowhere → failed, with a message naming the image', async () => {
    const taskId = await h.createTask({ image: '127.0.0.1:5000/no-such/image:never', command: ['true'], maxRunTime: 60 });
    expect((await h.waitResolved(taskId)).state).toBe('failed');
    const text = await h.backingLog(taskId);
    expect(text).toMatch(/\[taskcluster:error\] .*127\.0\.0\.1:5000\/no-such\/image:never/);
  });

  it('a command that does not exist → failed with the start-failure message', async () => {
    const taskId = await h.createTask({ image: TEST_IMAGE, command: ['/no/such/binary'], maxRunTime: 60 });
    expect((await h.waitResolved(taskId)).state).toBe('failed');
    expect(await h.backingLog(taskId)).toContain('Failure to properly start execution environment');
  });

  it('payload.log renames the log artifacts', async () => {
    const taskId = await h.createTask({ image: TEST_IMAGE, command: ['echo', 'custom'], maxRunTime: 60, log: 'private/logs/custom.log' });
    expect((await h.waitResolved(taskId)).state).toBe('completed');
    const names = (await h.client.listArtifacts(taskId, 0)).map((a) => a.name).sort();
    expect(names).toEqual(['private/logs/custom.log', 'private/logs/custom_backing.log']);
    expect(await h.backingLog(taskId, 0, 'private/logs/custom.log')).toContain('custom\n');
  });

  it('leaves no container behind', async () => {
    await new Promise((r) => setTimeout(r, 200));
    expect(await h.containers()).toEqual([]);
  });
});
