// Scope matching is shared with runtimes and features, so it lives in the contract.
export { missingScopes, scopeSatisfied } from '@docker-worker/worker-contract';
