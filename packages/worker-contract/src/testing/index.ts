// Test helpers for runtimes, worker-core and features; published as
// `@docker-worker/worker-contract/testing`, never imported by production code.
export { FakeRuntime, FakeContainer, FakePathNotFoundError } from './fake-runtime.js';
export { fakeShell, startFailure, type FakeScript, type FakeRun, type FakeOutputItem } from './fake-shell.js';
export { runtimeConformance, CONFORMANCE_LABEL, type RuntimeUnderTest } from './conformance.js';
export { MemoryTaskLog } from './memory-task-log.js';
export { testTaskDefinition } from './task-fixture.js';
export { buildTar, readTar, type TarEntry } from './tar.js';
export { until } from './until.js';
