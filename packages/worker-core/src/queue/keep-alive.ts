import http from 'node:http';
import https from 'node:https';
import tc from 'taskcluster-client';

/**
 * taskcluster-client's shared agents do not keep connections alive, so each of a task's calls
 * (claim, artifacts, reclaims, resolution) opens a new connection, and against a real
 * deployment a new TLS handshake. It exports those agents for consumers to replace; every
 * client made afterwards picks them up, per-run clients with temporary credentials included.
 * The `timeout` makes Node honour the server's `Keep-Alive: timeout=N` hint for idle sockets
 * (closing them a second before the server would); without it Node ignores the hint. It
 * fires only on sockets idle that long, in the pool or mid-request: the claimWork long poll
 * answers within 20 s, and a request timing out on it just emits an event nobody acts on
 * (taskcluster-client and json-call.ts keep their own per-request timeouts). A reused connection the server
 * closed anyway fails as a network error, which the client retries.
 */
const KEEP_ALIVE = { keepAlive: true, timeout: 60_000, maxSockets: 50 };

let agents: { http: http.Agent; https: https.Agent } | undefined;

/**
 * The kept-alive agents, made once: taskcluster-client's calls and the per-artifact calls
 * made without it (json-call.ts) share them, so both reuse the same connections.
 */
export function queueAgents(): { http: http.Agent; https: https.Agent } {
  agents ??= { http: new http.Agent(KEEP_ALIVE), https: new https.Agent(KEEP_ALIVE) };
  return agents;
}

/** The kept-alive agent for `url`'s protocol. */
export function queueAgentFor(url: URL): http.Agent {
  return url.protocol === 'https:' ? queueAgents().https : queueAgents().http;
}

export function keepQueueConnectionsAlive(): void {
  if (tc.agents.http === queueAgents().http) return;
  tc.agents.http = queueAgents().http;
  tc.agents.https = queueAgents().https;
}
