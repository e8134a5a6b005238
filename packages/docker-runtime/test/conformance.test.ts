import { runtimeConformance } from '@docker-worker/worker-contract/conformance';
import { DockerRuntime } from '../src/index.js';
import { TEST_IMAGE, uniqueId } from './helpers.js';
import { LocalRegistry } from './registry.js';

// The missing image lives on a local registry: there is no internet here, and a Docker Hub name
// would fail as "registry unreachable" rather than "image not found".
runtimeConformance('DockerRuntime', async () => {
  const registry = await LocalRegistry.start();
  return {
    runtime: new DockerRuntime({ pullAttempts: 1 }),
    image: TEST_IMAGE,
    missingImage: `${registry.host}/dw-conformance-missing:${uniqueId()}`,
    cleanup: () => registry.stop(),
  };
});
