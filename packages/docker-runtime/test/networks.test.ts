import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import Dockerode from 'dockerode';
import { DockerRuntime } from '../src/index.js';
import { collect, imageContext, TEST_IMAGE, uniqueId } from './helpers.js';

const RUN_LABEL = 'org.taskcluster.docker-worker.test-run';

/** Whether an IPv4 address lies in a CIDR range. */
function within(address: string, cidr: string): boolean {
  const toNumber = (ip: string) => ip.split('.').reduce((n, part) => n * 256 + Number(part), 0);
  const [base, bits] = cidr.split('/');
  const size = 2 ** (32 - Number(bits));
  return Math.floor(toNumber(address) / size) === Math.floor(toNumber(base!) / size);
}

describe('DockerRuntime networks (real engine)', () => {
  const docker = new Dockerode();
  const labels = { [RUN_LABEL]: uniqueId() };
  let runtime: DockerRuntime;
  let imageId: string;

  beforeAll(async () => {
    runtime = new DockerRuntime({ docker });
    imageId = (await runtime.ensureImage(TEST_IMAGE, imageContext())).id;
  });

  afterAll(async () => {
    await runtime.removeContainers(labels);
    const left = await docker.listNetworks({ filters: JSON.stringify({ label: [`${RUN_LABEL}=${labels[RUN_LABEL]}`] }) });
    for (const network of left) await docker.getNetwork(network.Id).remove();
    // Every test removes what it made; anything found here is a leak.
    expect(left.map((n) => n.Name)).toEqual([]);
  });

  it('creates a labelled bridge network the host holds the gateway of, attaches containers to it, and removes it', async () => {
    const network = await runtime.createNetwork(labels);
    expect(within(network.gateway, network.subnet)).toBe(true);
    const info = await docker.getNetwork(network.id).inspect();
    expect(info.Labels).toEqual(labels);
    expect(info.Driver).toBe('bridge');
    expect(await runtime.listNetworks(labels)).toEqual([{ id: network.id, labels }]);

    const container = await runtime.createContainer({ image: imageId, command: ['hostname', '-i'], env: {}, labels, network: network.id });
    const output = collect(container.output);
    await container.start();
    expect(await container.wait()).toBe(0);
    const address = (await output).toString().replace(/[^\d.\s]/g, '').trim();
    expect(within(address, network.subnet)).toBe(true);
    await container.remove();

    await runtime.removeNetwork(network.id);
    expect(await runtime.listNetworks(labels)).toEqual([]);
    await expect(docker.getNetwork(network.id).inspect()).rejects.toMatchObject({ statusCode: 404 });
    // Gone already: no error.
    await expect(runtime.removeNetwork(network.id)).resolves.toBeUndefined();
  });
});
