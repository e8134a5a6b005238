export { createLiveLogFeature, liveLogFeature, liveLogOptionsSchema, type LiveLogFeatureOptions, type LiveLogOptions, LIVE_LOG_METRICS } from './live-log-feature.js';
export { bulkLogFeature, BULK_LOG, BULK_LOG_CONTENT_TYPE } from './bulk-log-feature.js';
export {
  LiveLogServer,
  type LiveLogServerOptions,
  type LiveLogRegistration,
  type LiveLogRegisteredEvent,
  type LiveLogServerEvents,
} from './live-log-server.js';
export { liveLogConfigSchema, liveLogServerConfig, LiveLogConfigError, type LiveLogServerConfig, type LiveLogSettings } from './live-log-config.js';
export { backingLogName, DEFAULT_LIVE_LOG, LOG_CONTENT_TYPE } from './log-names.js';
