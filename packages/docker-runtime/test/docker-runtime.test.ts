import { execFile } from 'node:child_process';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Writable } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import { promisify } from 'node:util';
import { afterAll, beforeAll, describe, expect, it, jest } from '@jest/globals';
import { ImageError, InternalError, MalformedPayloadError, ResourceUnavailableError, TaskFailedError, type Container } from '@docker-worker/worker-contract';
import { MemoryTaskLog } from '@docker-worker/worker-contract/testing';
import Dockerode from 'dockerode';
import { DockerRuntime } from '../src/index.js';
import { collect, imageContext, push, pushCommittedImage, removeTag, TEST_IMAGE, uniqueId } from './helpers.js';
import { LocalRegistry } from './registry.js';

const TIMEOUT = 60_000;
const execFileAsync = promisify(execFile);
const RUN_LABEL = 'org.taskcluster.docker-worker.test-run';

describe('DockerRuntime on a real engine', () => {
  const docker = new Dockerode();
  const runId = uniqueId();
  const labels = { [RUN_LABEL]: runId };
  /** Image tags this suite made, removed at the end (never anything else). */
  const madeImages: string[] = [];
  let registry: LocalRegistry;
  let runtime: DockerRuntime;
  let imageId: string;

  const create = (command: string[], extra: Partial<Parameters<DockerRuntime['createContainer']>[0]> = {}): Promise<Container> =>
    runtime.createContainer({ image: imageId, command, env: {}, ...extra, labels: { ...labels, ...extra.labels } });

  beforeAll(async () => {
    registry = await LocalRegistry.start();
    runtime = new DockerRuntime({ docker, pullAttempts: 2, pullRetryDelayMs: 50 });
    imageId = (await runtime.ensureImage(TEST_IMAGE, imageContext())).id;
  }, TIMEOUT);

  afterAll(async () => {
    const left = await docker.listContainers({ all: true, filters: JSON.stringify({ label: [`${RUN_LABEL}=${runId}`] }) });
    await runtime.removeContainers(labels);
    for (const name of madeImages) await removeTag(docker, name);
    await registry?.stop();
    // Every test cleans up after itself; anything found here is a leak.
    expect(left.map((info) => `${info.Id} ${info.Command}`)).toEqual([]);
  }, TIMEOUT);

  it('ping() explains how to start an engine it cannot reach', async () => {
    await expect(runtime.ping()).resolves.toBeUndefined();
    const nowhere = new DockerRuntime({ socketPath: '/tmp/dw-no-such-docker.sock' });
    await expect(nowhere.ping()).rejects.toThrow(/^The Docker engine is not reachable at unix:\/\/\/tmp\/dw-no-such-docker\.sock .*dockerd/);
  });

  it('ping() names the socket when docker-modem holds a function that picks it (its default without DOCKER_HOST)', async () => {
    const chooser = () => Promise.resolve('/tmp/dw-chosen-no-such-docker.sock');
    const defaulted = new DockerRuntime({ docker: new Dockerode({ socketPath: chooser as unknown as string }) });
    await expect(defaulted.ping()).rejects.toThrow(/^The Docker engine is not reachable at unix:\/\/\/tmp\/dw-chosen-no-such-docker\.sock \(/);
  });

  it('creates the container with the labels, env, command and host config asked for', async () => {
    const dir = await mkdtemp(join(tmpdir(), 'dw-bind-'));
    await writeFile(join(dir, 'file'), 'from the host\n');
    const container = await create(['sh', '-c', 'cat /mnt/dw/file; grep -c dw-test.example /etc/hosts; echo "$B"; grep Cpus_allowed_list /proc/self/status'], {
      env: { A: '1', B: 'two  words=x' },
      labels: { 'org.taskcluster.docker-worker.test-extra': 'yes' },
      binds: [{ hostPath: dir, containerPath: '/mnt/dw', readOnly: true }],
      extraHosts: ['dw-test.example:127.0.0.1'],
      capAdd: ['SYS_PTRACE'],
      shmSize: 64 * 1024 * 1024,
      cpusetCpus: '0',
    });
    try {
      const info = await docker.getContainer(container.id).inspect();
      // The image's own labels are merged in by the engine.
      expect(info.Config.Labels).toEqual(expect.objectContaining({ [RUN_LABEL]: runId, 'org.taskcluster.docker-worker.test-extra': 'yes' }));
      expect(info.Config.Env).toEqual(expect.arrayContaining(['A=1', 'B=two  words=x']));
      expect(info.Config.Cmd).toEqual(['sh', '-c', 'cat /mnt/dw/file; grep -c dw-test.example /etc/hosts; echo "$B"; grep Cpus_allowed_list /proc/self/status']);
      expect(info.Config.Tty).toBe(false);
      expect(info.Config.OpenStdin).toBe(false);
      expect(info.HostConfig).toMatchObject({
        Binds: [`${dir}:/mnt/dw:ro`],
        ExtraHosts: ['dw-test.example:127.0.0.1'],
        CapAdd: ['SYS_PTRACE'],
        ShmSize: 64 * 1024 * 1024,
        CpusetCpus: '0',
        Privileged: false,
        AutoRemove: false,
        // The output goes to the worker only, never into a second copy on the engine's disk.
        LogConfig: { Type: 'none', Config: {} },
      });
      const output = collect(container.output);
      await container.start();
      expect(await container.wait()).toBe(0);
      expect((await output).toString()).toMatch(/^from the host\n1\ntwo {2}words=x\nCpus_allowed_list:\s+0\n$/);
    } finally {
      await container.remove();
      await rm(dir, { recursive: true, force: true });
    }
  }, TIMEOUT);

  it('commandPrefix runs before the command, and before the image\'s entrypoint and default command when the spec has none', async () => {
    const tag = `dw-test/prefix-${runId}:latest`;
    const base = await create(['true']);
    await execFileAsync('docker', ['commit', '--change', 'ENTRYPOINT ["echo", "entrypoint"]', '--change', 'CMD ["default-cmd"]', base.id, tag]);
    madeImages.push(tag);
    await base.remove();
    const withEntrypoint = (await docker.getImage(tag).inspect()).Id;
    // Nothing to run at all: refused as the engine refuses it without the prefix, the task's doing.
    const bare = `dw-test/prefix-bare-${runId}:latest`;
    const bareBase = await create(['true']);
    // An imported filesystem has no default command (a commit would keep the base's).
    await execFileAsync('sh', ['-c', `docker export ${bareBase.id} | docker import - ${bare}`]);
    madeImages.push(bare);
    await bareBase.remove();
    await expect(runtime.createContainer({ image: bare, env: {}, labels, commandPrefix: ['echo'] })).rejects.toThrow(TaskFailedError);
    const cases: Array<[string, string[] | undefined, string]> = [
      [imageId, ['the', 'command'], 'prefix -- the command\n'],
      [withEntrypoint, undefined, 'prefix -- echo entrypoint default-cmd\n'],
      [withEntrypoint, ['given'], 'prefix -- echo entrypoint given\n'],
    ];
    for (const [image, command, printed] of cases) {
      const container = await runtime.createContainer({ image, ...(command && { command }), env: {}, labels, commandPrefix: ['echo', 'prefix', '--'] });
      try {
        const output = collect(container.output);
        await container.start();
        expect(await container.wait()).toBe(0);
        expect((await output).toString()).toBe(printed);
      } finally {
        await container.remove();
      }
    }
  }, TIMEOUT);

  it('exec with a tty: the terminal takes the size asked for', async () => {
    const container = await create(['sleep', '30']);
    try {
      await container.start();
      const exec = await container.exec!({ command: ['sh', '-c', 'read line; stty size'], tty: true });
      const printed: Buffer[] = [];
      const read = (async () => {
        for await (const chunk of exec.output) printed.push((chunk as { data: Buffer }).data);
      })();
      await exec.resize({ rows: 41, columns: 133 });
      exec.stdin.write('go\n');
      await read;
      expect(Buffer.concat(printed).toString()).toMatch(/41 133\r?\n$/);
      expect(await exec.exitCode()).toBe(0);
    } finally {
      await container.remove();
    }
  }, TIMEOUT);

  it('sends the create options in the body: a 10 MB Env and a 5 MB argument reach the container (not 431)', async () => {
    // In a URL these would pass the engine's 1 MB header limit many times over.
    const big = 'e'.repeat(10_000_000);
    const argument = 'a'.repeat(5_000_000);
    // Created, not started: Linux would refuse to exec with this much (the worker's own limits stop such payloads earlier).
    const container = await create(['echo', argument], { env: { BIG: big, SMALL: 'x' }, name: `dw-body-${runId}` });
    try {
      const info = await docker.getContainer(container.id).inspect();
      expect(info.Name).toBe(`/dw-body-${runId}`);
      expect(info.Config.Env).toEqual(expect.arrayContaining([`BIG=${big}`, 'SMALL=x']));
      expect(info.Config.Cmd).toEqual(['echo', argument]);
    } finally {
      await container.remove();
    }
  }, TIMEOUT);

  it('creates a privileged container when the spec asks for one', async () => {
    // Created, not started: this sandbox's runc cannot apply a privileged container's capabilities.
    const container = await create(['true'], { privileged: true });
    try {
      const info = await docker.getContainer(container.id).inspect();
      expect(info.HostConfig.Privileged).toBe(true);
    } finally {
      await container.remove();
    }
  }, TIMEOUT);

  it('runs without the seccomp filter when the spec asks (Seccomp: 0), with the default profile otherwise (Seccomp: 2)', async () => {
    const seccompMode = async (extra: Partial<Parameters<DockerRuntime['createContainer']>[0]>) => {
      const container = await create(['grep', '^Seccomp:', '/proc/self/status'], extra);
      try {
        const info = await docker.getContainer(container.id).inspect();
        const output = collect(container.output);
        await container.start();
        expect(await container.wait()).toBe(0);
        return { securityOpt: info.HostConfig.SecurityOpt, line: (await output).toString().trim() };
      } finally {
        await container.remove();
      }
    };
    expect(await seccompMode({ disableSeccomp: true })).toEqual({ securityOpt: ['seccomp=unconfined'], line: expect.stringMatching(/^Seccomp:\s+0$/) });
    expect((await seccompMode({})).line).toMatch(/^Seccomp:\s+2$/);
  }, TIMEOUT);

  it('delivers 5 MB of stdout byte-exact and in order, with stderr interleaved', async () => {
    const blocks = 22;
    const lines = 30_000;
    // Per block: a run of 7-digit numbers on stdout, then one marker line on stderr.
    const script = `for i in $(seq 1 ${blocks}); do seq $((i*100000)) $((i*100000+${lines - 1})); echo "marker $i" >&2; done`;
    let expected = '';
    for (let i = 1; i <= blocks; i++) {
      const numbers: string[] = [];
      for (let n = i * 100000; n < i * 100000 + lines; n++) numbers.push(`${n}\n`);
      expected += numbers.join('');
    }
    expect(expected.length).toBeGreaterThan(5_000_000);

    const container = await create(['sh', '-c', script]);
    try {
      const output = collect(container.output);
      await container.start();
      expect(await container.wait()).toBe(0);
      const text = (await output).toString('latin1');
      // stdout and stderr are separate pipes, so a stderr frame may land inside a stdout line;
      // taking the markers out must leave stdout exactly as printed.
      const markers = [...text.matchAll(/marker (\d+)\n/g)].map((match) => Number(match[1]));
      expect(markers).toEqual(Array.from({ length: blocks }, (_, i) => i + 1));
      const stdout = text.replace(/marker \d+\n/g, '');
      expect(stdout.length).toBe(expected.length);
      expect(stdout === expected).toBe(true);
    } finally {
      await container.remove();
    }
  }, TIMEOUT);

  it('holds the container back for a slow reader, who still gets everything', async () => {
    const count = 400_000;
    const container = await create(['seq', '1', String(count)]);
    try {
      let received = 0;
      let maxBuffered = 0;
      const slow = new Writable({
        highWaterMark: 16 * 1024,
        write(chunk: Buffer, _encoding, callback) {
          received += chunk.length;
          maxBuffered = Math.max(maxBuffered, container.output.readableLength);
          setTimeout(callback, 2);
        },
      });
      const reading = pipeline(container.output, slow);
      await container.start();
      const startedAt = Date.now();
      await reading;
      let expectedBytes = 0;
      for (let n = 1; n <= count; n++) expectedBytes += String(n).length + 1;
      expect(received).toBe(expectedBytes);
      // What waits in memory stays near the stream's high-water mark, not the output's size.
      expect(maxBuffered).toBeLessThan(256 * 1024);
      expect(Date.now() - startedAt).toBeGreaterThan(100);
      expect(await container.wait()).toBe(0);
    } finally {
      await container.remove();
    }
  }, TIMEOUT);

  it('reports a command that does not exist in the original wording', async () => {
    const container = await create(['/no/such/executable']);
    try {
      const error = await container.start().catch((err: unknown) => err);
      expect(error).toBeInstanceOf(TaskFailedError);
      expect(error).not.toBeInstanceOf(ImageError);
      expect((error as Error).message).toMatch(/^Failure to properly start execution environment\. .*\/no\/such\/executable.*no such file or directory/);
      await expect(container.wait()).rejects.toBe(error);
    } finally {
      await container.remove();
    }
  }, TIMEOUT);

  it('tells a missing path from a missing container in archive()', async () => {
    const container = await create(['true']);
    const output = collect(container.output);
    await container.start();
    await container.wait();
    await output;
    await expect(container.archive('/nope')).rejects.toMatchObject({ code: 'ENOENT' });
    await container.remove();
    const gone = await container.archive('/').catch((err: unknown) => err);
    expect(gone).toBeInstanceOf(InternalError);
    expect((gone as { code?: string }).code).toBeUndefined();
  }, TIMEOUT);

  it('refuses invalid names as malformed payloads', async () => {
    await expect(runtime.ensureImage('Not/Valid', imageContext())).rejects.toThrow(MalformedPayloadError);
  });

  it('an artifact image needs a queue to come from', async () => {
    await expect(runtime.ensureImage({ type: 'indexed-image', namespace: 'a.b', path: 'public/image.tar' }, imageContext())).rejects.toThrow(
      /needs a queue to download from/,
    );
  });

  it('a missing image fails with an ImageError naming it, without retrying', async () => {
    const spy = jest.spyOn(docker, 'createImage');
    try {
      const name = `${registry.host}/busybox-pull-test-missing:${uniqueId()}`;
      const log = new MemoryTaskLog();
      const error = await runtime.ensureImage(name, imageContext(log)).catch((err: unknown) => err);
      expect(error).toBeInstanceOf(ImageError);
      expect((error as Error).message).toMatch(new RegExp(`^Image "${name.replace(/[.]/g, '\\.')}" could not be pulled: .*not found`));
      expect(spy).toHaveBeenCalledTimes(1);
      expect(log.infos).toEqual([`Pulling image ${name}`]);
    } finally {
      spy.mockRestore();
    }
  }, TIMEOUT);

  it('an image that cannot be pulled names the local images with a close name', async () => {
    // The test image is local; a typo of it, from the local registry, is not there.
    const name = `${registry.host}/${TEST_IMAGE.replace('busybox', 'busybx')}`;
    const error = await runtime.ensureImage(name, imageContext()).catch((err: unknown) => err);
    expect(error).toBeInstanceOf(ImageError);
    expect((error as Error).message).toMatch(new RegExp(`could not be pulled: .*\\. Local images with a close name: .*${TEST_IMAGE.replace(/[./]/g, '\\$&')}`));
  }, TIMEOUT);

  it('an unreachable registry is retried, then resource-unavailable', async () => {
    const spy = jest.spyOn(docker, 'createImage');
    try {
      const error = await runtime.ensureImage(`127.0.0.1:1/dw-unreachable:${uniqueId()}`, imageContext()).catch((err: unknown) => err);
      expect(error).toBeInstanceOf(ResourceUnavailableError);
      expect((error as Error).message).toMatch(/could not be pulled after 2 attempts: .*connection refused/);
      expect(spy).toHaveBeenCalledTimes(2);
    } finally {
      spy.mockRestore();
    }
  }, TIMEOUT);

  it('pulls from a registry, logs a one-line summary and returns the local id', async () => {
    // A layer the engine does not have yet: commit a container that wrote unique, incompressible data.
    const repository = `${registry.host}/busybox-pull-test`;
    const tag = uniqueId();
    const name = `${repository}:${tag}`;
    madeImages.push(name);
    await pushCommittedImage(docker, repository, tag, `echo ${tag} > /unique; head -c 300000 /dev/urandom > /random.bin`, labels);

    const log = new MemoryTaskLog();
    const resolved = await runtime.ensureImage(name, imageContext(log));
    expect(resolved.name).toBe(name);
    expect(resolved.id).toBe((await docker.getImage(name).inspect()).Id);
    // For the worker's metrics: a cache miss, and what it cost.
    expect(resolved.source).toBe('pulled');
    expect(resolved.bytes).toBeGreaterThan(300_000);
    expect(log.infos[0]).toBe(`Pulling image ${name}`);
    expect(log.infos[1]).toMatch(new RegExp(`^Pulled image ${name.replace(/[.]/g, '\\.')}: 2 layers, 0\\.[3-4] MB in \\d+\\.\\d s$`));
    expect(log.infos).toHaveLength(2);
    // Docker's own progress stays out of the task log.
    expect(log.text()).not.toMatch(/Downloading|Extracting/);

    // Present now: no pull, no log line.
    const again = new MemoryTaskLog();
    const present = await runtime.ensureImage({ type: 'docker-image', name }, imageContext(again));
    expect(present).toMatchObject({ id: resolved.id, source: 'present', bytes: 0 });
    expect(again.infos).toEqual([]);
  }, TIMEOUT);

  it('shares one pull between concurrent requests for the same image', async () => {
    const repository = `${registry.host}/busybox-pull-test`;
    const tag = uniqueId();
    const name = `${repository}:${tag}`;
    madeImages.push(name);
    await push(docker, TEST_IMAGE, repository, tag);
    await removeTag(docker, name);

    const spy = jest.spyOn(docker, 'createImage');
    try {
      const logs = [new MemoryTaskLog(), new MemoryTaskLog()];
      // Asked for in both accepted forms: the same image.
      const [a, b] = await Promise.all([runtime.ensureImage(name, imageContext(logs[0])), runtime.ensureImage({ type: 'docker-image', name }, imageContext(logs[1]))]);
      expect(a).toEqual(b);
      expect(a.id).toBe(imageId);
      expect(spy).toHaveBeenCalledTimes(1);
      for (const log of logs) {
        expect(log.infos[0]).toBe(`Pulling image ${name}`);
        // Every layer was already there (the image is the test image under a new name).
        expect(log.infos[1]).toMatch(/^Pulled image .*: 1 layers, 0\.0 MB in \d+\.\d s$/);
      }
    } finally {
      spy.mockRestore();
    }
  }, TIMEOUT);

  it('removeContainers counts only what it removed', async () => {
    const group = { 'org.taskcluster.docker-worker.test-group': uniqueId() };
    const containers = await Promise.all([create(['true'], { labels: group }), create(['sleep', '600'], { labels: group })]);
    await containers[1]?.start();
    expect(await runtime.removeContainers({ ...labels, ...group })).toBe(2);
    expect(await runtime.removeContainers({ ...labels, ...group })).toBe(0);
    for (const container of containers) await collect(container.output);
  }, TIMEOUT);
});
