import type { MetricDefinition } from '@docker-worker/worker-contract';

/**
 * Every metric the worker itself records: one definition each, recorded in one place (named
 * beside each), exported to InfluxDB and Prometheus alike. Features add theirs through
 * `Feature.metrics`. docs/metrics.md lists them for operators: keep it in step.
 */

/** Seconds: a fast pipeline step to a long task. */
const SECONDS = [0.01, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30, 60, 300, 900, 3600];

export const STAGES = ['validate', 'image', 'create', 'run', 'artifacts', 'logs', 'resolve'] as const;
export type Stage = (typeof STAGES)[number];

export const WORKER_METRICS: readonly MetricDefinition[] = [
  // TaskRun
  { name: 'dw_tasks_started_total', kind: 'counter', help: 'Runs claimed and started through the pipeline.', labels: [] },
  { name: 'dw_tasks_resolved_total', kind: 'counter', help: 'Runs ended, by outcome (completed, failed, exception, canceled) and reason.', labels: ['outcome', 'reason'] },
  { name: 'dw_task_run_seconds', kind: 'histogram', help: 'Time from claim to resolution of one run, by outcome.', labels: ['outcome'], buckets: SECONDS },
  { name: 'dw_task_claim_to_start_seconds', kind: 'histogram', help: 'Time from the claim to the container started.', labels: [], buckets: SECONDS },
  { name: 'dw_task_stage_seconds', kind: 'histogram', help: `Time in one pipeline stage (${STAGES.join(', ')}).`, labels: ['stage'], buckets: SECONDS },
  { name: 'dw_image_seconds', kind: 'histogram', help: 'Time to have the task image ready, by source: present (a cache hit), pulled, loaded (from an artifact), ready (the runtime does not say), failed.', labels: ['source'], buckets: SECONDS },
  { name: 'dw_image_bytes_total', kind: 'counter', help: 'Bytes pulled or downloaded for task images, by source (pulled, loaded).', labels: ['source'] },
  { name: 'dw_feature_runs_total', kind: 'counter', help: 'Runs that had a feature on, by feature.', labels: ['feature'] },
  { name: 'dw_reclaims_total', kind: 'counter', help: 'Reclaims, by result (renewed, lost).', labels: ['result'] },
  // QueueArtifactPublisher
  { name: 'dw_artifact_uploads_total', kind: 'counter', help: 'Artifact uploads, by result (uploaded, failed).', labels: ['result'] },
  { name: 'dw_artifact_upload_bytes_total', kind: 'counter', help: 'Bytes of artifacts uploaded.', labels: [] },
  { name: 'dw_artifact_upload_retries_total', kind: 'counter', help: 'Attempts of an s3 artifact upload that failed and were retried.', labels: [] },
  { name: 'dw_artifact_upload_seconds', kind: 'histogram', help: 'Time of one artifact upload (queue calls and bytes), successful ones.', labels: [], buckets: SECONDS },
  // TaskCaches, PurgePoller
  { name: 'dw_cache_acquires_total', kind: 'counter', help: 'Named cache instances a run took, by result: hit (used before), miss (new).', labels: ['result'] },
  { name: 'dw_cache_purges_total', kind: 'counter', help: 'Cache purges, by reason: exit-status (an instance, onExitStatus.purgeCaches), purge-cache (a request of the service).', labels: ['reason'] },
  // Worker
  { name: 'dw_claim_work_calls_total', kind: 'counter', help: 'claimWork calls, by result (tasks, empty, error).', labels: ['result'] },
  { name: 'dw_claim_work_tasks_total', kind: 'counter', help: 'Tasks claimWork returned.', labels: [] },
  { name: 'dw_capacity', kind: 'gauge', help: 'Task slots: configured, effective (lowered by features), running, idle.', labels: ['kind'] },
  { name: 'dw_gc_images_removed_total', kind: 'counter', help: 'Images garbage collection removed.', labels: [] },
  { name: 'dw_gc_bytes_removed_total', kind: 'counter', help: 'The sizes of the images garbage collection removed, as the runtime gives them.', labels: [] },
  // HostMetrics
  { name: 'dw_host_memory_bytes', kind: 'gauge', help: "The host's memory: total, used (without caches), available.", labels: ['kind'] },
  { name: 'dw_host_cpu_load_ratio', kind: 'gauge', help: 'Busy share of all cores since the previous sample (0 to 1).', labels: [] },
  { name: 'dw_host_disk_bytes', kind: 'gauge', help: 'The filesystem of `dockerVolume`: total, free.', labels: ['kind'] },
  // CacheDiskUsage
  { name: 'dw_cache_disk_bytes', kind: 'gauge', help: 'Bytes the named caches hold on disk (`cache.volumeCachePath`, as du counts them).', labels: [] },
  // InfluxExport (so Prometheus shows an InfluxDB outage)
  { name: 'dw_influx_points_dropped_total', kind: 'counter', help: 'Points not written to InfluxDB: its buffer was full, or retries ran out.', labels: [] },
];
