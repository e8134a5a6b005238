export { DockerRuntime, type DockerRuntimeOptions, type GcReport } from './docker-runtime.js';
export { DockerContainer, ContainerPathNotFoundError } from './docker-container.js';
export { DockerStreamDemuxer } from './demux.js';
export { parseImageReference, type ImageReference } from './image-reference.js';
export type { PullSummary } from './pull.js';
export { credentialsFor, type RegistryCredentials, type RegistryMap, type MatchedCredentials } from './registry-credentials.js';
export { allowPtraceFeature } from './ptrace-feature.js';
export { HostCacheManager, cacheDirName } from './host-cache-manager.js';
