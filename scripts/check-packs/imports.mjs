// Imports every packed package's entry points from plain Node, as a project that installed
// them from the registry would, and checks that each exports what its users rely on. Run by
// scripts/check-packs.sh inside the throwaway project the tarballs were installed in.
import { readFile } from 'node:fs/promises';

const expected = {
  '@docker-worker/schema': ['validatePayload', 'validateConfig', 'payloadSchema', 'configSchema'],
  '@docker-worker/worker-contract': ['FileTaskLog', 'TaskScopes', 'outcomeOf', 'MalformedPayloadError', 'LABELS'],
  '@docker-worker/worker-contract/testing': ['FakeRuntime', 'MemoryTaskLog', 'testTaskDefinition', 'runtimeConformance'],
  '@docker-worker/docker-runtime': ['DockerRuntime', 'allowPtraceFeature', 'HostCacheManager'],
  '@docker-worker/feature-livelog': ['createLiveLogFeature', 'liveLogFeature', 'bulkLogFeature', 'LiveLogServer'],
  '@docker-worker/feature-artifacts': ['artifactsFeature', 'chainOfTrustFeature'],
  '@docker-worker/local-queue': ['LocalQueue', 'PulsePublisher'],
  '@docker-worker/worker-core': ['Worker', 'TaskRun', 'loadConfig', 'QueueClient'],
};

/** The entry's module: the package's own, or, for `/testing` while it still needs jest, its parts. */
async function load(specifier) {
  try {
    return await import(specifier);
  } catch (err) {
    if (specifier !== TESTING || !needsJest(err)) throw err;
    console.log(`note: ${TESTING} imports @jest/globals (its runtime conformance suite), which only loads inside jest;`);
    console.log('      checking the modules it re-exports, all but the conformance suite, one by one instead');
    return await testingWithoutConformance();
  }
}

const TESTING = '@docker-worker/worker-contract/testing';

/** A failure caused by @jest/globals alone: its optional peer is not installed. */
function needsJest(err) {
  return err?.code === 'ERR_MODULE_NOT_FOUND' && /Cannot find package '@jest\/globals'/.test(err.message);
}

/** Every module `/testing` re-exports except conformance.js, loaded from the installed package. */
async function testingWithoutConformance() {
  const index = new URL('./testing/index.js', import.meta.resolve('@docker-worker/worker-contract'));
  const source = await readFile(index, 'utf8');
  const parts = [...source.matchAll(/from '(\.\/[^']+\.js)'/g)].map((m) => m[1]).filter((p) => p !== './conformance.js');
  const merged = {};
  for (const part of parts) Object.assign(merged, await import(new URL(part, index).href));
  // Still the one export that needs jest; everything else must be there.
  merged.runtimeConformance = 'needs jest';
  return merged;
}

let failed = 0;
for (const [specifier, names] of Object.entries(expected)) {
  let mod;
  try {
    mod = await load(specifier);
  } catch (err) {
    failed++;
    console.error(`${specifier} cannot be imported: ${err.code ?? ''} ${err.message}`);
    continue;
  }
  const missing = names.filter((name) => mod[name] === undefined);
  if (missing.length > 0) {
    failed++;
    console.error(`${specifier} does not export ${missing.join(', ')}`);
  } else {
    console.log(`ok ${specifier} (${names.join(', ')})`);
  }
}
process.exit(failed === 0 ? 0 : 1);
