// Imports every packed package's entry points from plain Node, as a project that installed
// them from the registry would, and checks that each exports what its users rely on. Run by
// scripts/check-packs.sh inside the throwaway project the tarballs were installed in.
const expected = {
  '@docker-worker/schema': ['validatePayload', 'validateConfig', 'payloadSchema', 'configSchema'],
  '@docker-worker/worker-contract': ['FileTaskLog', 'TaskScopes', 'outcomeOf', 'MalformedPayloadError', 'PathNotFoundError', 'LABELS', 'NO_METRICS'],
  // The test kit loads in plain Node, no test framework (the jest suite is `/conformance`).
  '@docker-worker/worker-contract/testing': ['FakeRuntime', 'MemoryTaskLog', 'RecordingPublisher', 'testTaskContext', 'testTaskDefinition'],
  '@docker-worker/docker-runtime': ['DockerRuntime', 'allowPtraceFeature', 'HostCacheManager'],
  '@docker-worker/feature-livelog': ['createLiveLogFeature', 'liveLogFeature', 'bulkLogFeature', 'LiveLogServer', 'LIVE_LOG_METRICS'],
  '@docker-worker/feature-artifacts': ['artifactsFeature', 'chainOfTrustFeature'],
  '@docker-worker/feature-devices': ['createDevicesFeature', 'DeviceManagers', 'discover'],
  '@docker-worker/feature-taskcluster-proxy': ['taskclusterProxyFeature', 'createTaskclusterProxyFeature', 'ProxyServer', 'proxyTarget'],
  '@docker-worker/feature-interactive': ['createInteractiveFeature', 'InteractiveServer', 'interactiveConfigSchema'],
  '@docker-worker/local-queue': ['LocalQueue', 'PulsePublisher'],
  '@docker-worker/worker-core': ['Worker', 'TaskRun', 'bindFeature', 'loadConfig', 'QueueClient', 'MetricsRegistry', 'createWorkerMetrics'],
};

let failed = 0;
for (const [specifier, names] of Object.entries(expected)) {
  let mod;
  try {
    mod = await import(specifier);
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
// The web view's page and scripts are files of the package (web/), read at run time: a packed
// queue must find and serve them.
try {
  const { LocalQueue } = await import('@docker-worker/local-queue');
  const queue = new LocalQueue({ webView: true });
  await queue.start();
  try {
    for (const path of ['/', '/_webview/static/app.js', '/_webview/static/task-page.js', '/_webview/static/style.css']) {
      const response = await fetch(`${queue.rootUrl}${path}`);
      if (response.status !== 200) throw new Error(`GET ${path} answered ${response.status}`);
    }
    console.log('ok @docker-worker/local-queue serves its web view from the packed files');
  } finally {
    await queue.stop();
  }
} catch (err) {
  failed++;
  console.error(`@docker-worker/local-queue web view: ${err.message}`);
}
process.exit(failed === 0 ? 0 : 1);
