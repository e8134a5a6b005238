// Test helpers for runtimes, workers and features, published as
// `@docker-worker/worker-contract/testing`: plain Node, no test framework needed, never imported
// by production code. The jest conformance suite for runtimes is
// `@docker-worker/worker-contract/conformance`.
export { FakeRuntime, FakeContainer, FakePathNotFoundError } from './fake-runtime.js';
export { fakeShell, startFailure, type FakeScript, type FakeRun, type FakeOutputItem } from './fake-shell.js';
export { MemoryTaskLog } from './memory-task-log.js';
export { RecordingPublisher, type PublisherCall, type StoredError, type StoredUpload } from './recording-publisher.js';
export { testTaskContext, TEST_WORKER, type TestContextOptions } from './task-context.js';
export { testTaskDefinition } from './task-fixture.js';
export { buildTar, readTar, type TarEntry } from './tar.js';
export { until } from './until.js';
