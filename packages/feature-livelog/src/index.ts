export { liveLogFeature } from './live-log-feature.js';
export { backingLogName, DEFAULT_LIVE_LOG } from './log-names.js';
