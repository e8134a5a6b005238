import type { Credentials, ExceptionReason } from '@docker-worker/worker-contract';
import type { QueueClient, RunQueue } from '../../queue/queue-client.js';
import type { ReclaimReply, RunStatus, TaskStatus } from '../../queue/types.js';

/** An error shaped as taskcluster-client throws them for an HTTP answer. */
export function httpError(statusCode: number, message = `HTTP ${statusCode}`): Error {
  return Object.assign(new Error(message), { statusCode });
}

type ReportCall = 'reportCompleted' | 'reportFailed' | 'reportException';

/**
 * The queue as one run sees it, in memory: every call is recorded in order in `calls`
 * (`reportException:worker-shutdown`, `createArtifact:public/x`, `reclaim`), and the test
 * decides what the resolution and reclaim calls answer. Stands in for both QueueClient (the
 * worker-level calls a run makes: forRun, status) and the RunQueue it hands out.
 */
export class FakeQueue {
  readonly calls: string[] = [];
  /** What a report call answers: an error to throw, or undefined to accept it. */
  answerReport: (call: ReportCall, reason?: ExceptionReason) => Error | undefined = () => undefined;
  /** What a reclaim answers: an error to throw, or undefined to extend the claim by a minute. */
  answerReclaim: () => Error | undefined = () => undefined;
  /** The run as `status()` shows it (read after a 409); absent makes `status()` fail. */
  runStatus: Partial<RunStatus> | undefined;

  /** The QueueClient a TaskRun is given. */
  client(): QueueClient {
    const status = async (taskId: string): Promise<TaskStatus> => {
      this.calls.push('status');
      if (!this.runStatus) throw httpError(500, 'status unavailable');
      return { taskId, state: this.runStatus.state ?? 'running', runs: [{ runId: 0, ...this.runStatus }] } as TaskStatus;
    };
    const forRun = (taskId: string, runId: number, credentials: Credentials): RunQueue => this.#runQueue(taskId, runId, credentials);
    return { rootUrl: 'http://queue.invalid', status, forRun } as unknown as QueueClient;
  }

  /** Names of the artifacts created, in order. */
  artifacts(): string[] {
    return this.calls.filter((call) => call.startsWith('createArtifact:')).map((call) => call.slice('createArtifact:'.length));
  }

  /** The resolution calls made, in order (`reportFailed`, `reportException:malformed-payload`). */
  reports(): string[] {
    return this.calls.filter((call) => call.startsWith('report'));
  }

  #runQueue(taskId: string, runId: number, initial: Credentials): RunQueue {
    let credentials = initial;
    const report = async (call: ReportCall, reason?: ExceptionReason) => {
      this.calls.push(reason ? `${call}:${reason}` : call);
      const refusal = this.answerReport(call, reason);
      if (refusal) throw refusal;
    };
    const runQueue = {
      rootUrl: 'http://queue.invalid',
      taskId,
      runId,
      get credentials() {
        return credentials;
      },
      reclaim: async (): Promise<ReclaimReply> => {
        this.calls.push('reclaim');
        const refusal = this.answerReclaim();
        if (refusal) throw refusal;
        credentials = { clientId: 'reclaimed', accessToken: 'reclaimed' };
        return { takenUntil: new Date(Date.now() + 60_000).toJSON(), credentials };
      },
      reportCompleted: () => report('reportCompleted'),
      reportFailed: () => report('reportFailed'),
      reportException: (reason: ExceptionReason) => report('reportException', reason),
      // Reference, link and error artifacts need nothing else; uploads with data are not faked.
      createArtifact: async (name: string, request: Record<string, unknown>) => {
        this.calls.push(`createArtifact:${name}`);
        return { storageType: request.storageType };
      },
      finishArtifact: async (name: string) => {
        this.calls.push(`finishArtifact:${name}`);
      },
      latestArtifactUrl: (otherTaskId: string, path: string) => `http://queue.invalid/task/${otherTaskId}/artifacts/${path}`,
      // No auth service: the task's scopes are what it lists.
      expandScopes: async (scopes: string[]) => scopes,
      findIndexedTask: async (namespace: string) => {
        throw httpError(404, `no task indexed at ${namespace}`);
      },
    };
    return runQueue as unknown as RunQueue;
  }
}
