import { scopeInPool, type Feature } from '@docker-worker/worker-contract';

/**
 * `features.allowPtrace`: the container gets the SYS_PTRACE capability (debuggers, rr,
 * sanitizers), for tasks holding `docker-worker:feature:allowPtrace` (or its form for the
 * task's worker pool, `...:allowPtrace:<provisionerId>/<workerType>`). The original's docs
 * described an AppArmor profile; what it did, and what this does, is add the capability.
 */
export const allowPtraceFeature: Feature = {
  name: 'allowPtrace',
  requiredScopes: (task) => [scopeInPool('docker-worker:feature:allowPtrace', task)],
  forTask: () => ({
    link: async () => ({ capAdd: ['SYS_PTRACE'] }),
  }),
};
