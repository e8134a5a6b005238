import type Dockerode from 'dockerode';

/** One record of the engine's event log (`GET /events`), as much of it as is read here. */
export interface EngineEvent {
  Type?: string;
  Action?: string;
  Actor?: { ID?: string; Attributes?: Record<string, string> };
  timeNano?: number;
}

/**
 * The events the engine recorded for one container from `sinceMs` until now. With both bounds
 * in the past the engine answers from its in-memory log and ends the response, so this is a
 * plain request, not a subscription.
 */
export async function containerEvents(docker: Dockerode, containerId: string, sinceMs: number): Promise<EngineEvent[]> {
  const stream = await docker.getEvents({
    // A second of slack before the start, for events stamped as the container was created.
    // `until` must not be in the future: the engine would hold the response open until then.
    since: ((sinceMs - 1000) / 1000).toFixed(3),
    until: (Date.now() / 1000).toFixed(3),
    filters: JSON.stringify({ type: ['container'], container: [containerId] }),
    // Strings: the engine reads fractional seconds, the typings only know whole ones.
  } as unknown as Dockerode.GetEventsOptions);
  let text = '';
  for await (const chunk of stream as AsyncIterable<Buffer | string>) text += chunk.toString();
  return text
    .split('\n')
    .filter((line) => line.trim().length > 0)
    .map((line) => JSON.parse(line) as EngineEvent);
}

/**
 * Whether the engine (or someone using its API, not the worker) stopped the container: a
 * daemon shutting down or restarting sends each container its stop signal (a `kill` event),
 * then SIGKILL, then records `stop`; `docker stop` and `docker kill` look the same. A task that
 * ends itself, the kernel's OOM killer and a signal from inside the container leave no such
 * event.
 */
export function stoppedFromOutside(events: readonly EngineEvent[]): EngineEvent | undefined {
  return events.find((event) => event.Action === 'kill' || event.Action === 'stop');
}
