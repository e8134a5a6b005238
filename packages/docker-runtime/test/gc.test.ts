import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import Dockerode from 'dockerode';
import { DockerRuntime } from '../src/index.js';
import { imageContext, pushCommittedImage, removeTag, TEST_IMAGE, uniqueId } from './helpers.js';
import { LocalRegistry } from './registry.js';

const TIMEOUT = 120_000;

describe('garbage collection of pulled images (real engine and registry)', () => {
  const docker = new Dockerode();
  const labels = { 'org.taskcluster.docker-worker.test-run': uniqueId() };
  let registry: LocalRegistry;
  let dir: string;
  const made: string[] = [];

  beforeAll(async () => {
    registry = await LocalRegistry.start();
    dir = await mkdtemp(join(tmpdir(), 'dw-gc-'));
  }, TIMEOUT);
  afterAll(async () => {
    for (const name of made) await removeTag(docker, name);
    await registry?.stop();
    await rm(dir, { recursive: true, force: true });
  }, TIMEOUT);

  /** An image with a layer of its own, in the registry only, so the runtime must pull it. */
  async function remoteImage(): Promise<string> {
    const repository = `${registry.host}/gc-test`;
    const tag = uniqueId();
    const name = `${repository}:${tag}`;
    made.push(name);
    await pushCommittedImage(docker, repository, tag, `echo ${tag} > /unique`, labels);
    return name;
  }

  const exists = async (name: string) =>
    docker
      .getImage(name)
      .inspect()
      .then(() => true)
      .catch(() => false);

  it('removes an expired image, keeps a fresh one and one a container uses, and never one it did not pull', async () => {
    const runtime = new DockerRuntime({ docker, imageStateFile: join(dir, 'images.json') });
    const expired = await remoteImage();
    const busy = await remoteImage();
    await runtime.ensureImage(expired, imageContext());
    const busyImage = await runtime.ensureImage(busy, imageContext());
    const local = await runtime.ensureImage(TEST_IMAGE, imageContext());

    // Nothing is old enough yet.
    expect(await runtime.gc({ imageExpirationMs: 60_000 })).toEqual({ removedImages: [], removedBytes: 0 });

    const container = await runtime.createContainer({ image: busyImage.id, command: ['true'], env: {}, labels });
    try {
      const size = (await docker.getImage(expired).inspect()).Size;
      const report = await runtime.gc({ imageExpirationMs: 0 });
      expect(report.removedImages).toEqual([expired]);
      expect(report.removedBytes).toBe(size);
      expect(await exists(expired)).toBe(false);
      expect(await exists(busy)).toBe(true);
    } finally {
      await container.remove();
    }
    // Under disk pressure every unused image it pulled goes, expired or not; the local one stays.
    const pressed = await runtime.gc({ imageExpirationMs: 3_600_000, diskPressure: true });
    expect(pressed.removedImages).toEqual([busy]);
    expect(await exists(busy)).toBe(false);
    expect(await exists(local.id)).toBe(true);
  }, TIMEOUT);

  it('remembers what it pulled across a restart', async () => {
    const file = join(dir, 'restart.json');
    const name = await remoteImage();
    await new DockerRuntime({ docker, imageStateFile: file }).ensureImage(name, imageContext());
    const restarted = new DockerRuntime({ docker, imageStateFile: file });
    expect((await restarted.gc({ imageExpirationMs: 0 })).removedImages).toEqual([name]);
  }, TIMEOUT);
});
