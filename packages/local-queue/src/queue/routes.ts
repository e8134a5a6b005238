// Queue task routes: definition, status, claiming, reclaiming, resolution and cancelling.

import type { ServiceContext } from '../context.js';
import { InputError } from '../errors.js';
import type { HandlerTable, RequestContext } from '../router.js';
import type { ClaimedRun } from './state.js';
import { taskCredentials } from './task-credentials.js';
import { checkTaskTimes, normalizeTaskDefinition, prioritiesAtOrAbove, type CreateTaskBody } from './task-definition.js';
import type { ReasonResolved } from './types.js';

interface ClaimBody {
  workerGroup: string;
  workerId: string;
  tasks?: number;
}

function runIdOf(req: RequestContext): number {
  return Number(req.params.runId);
}

export function queueHandlers(ctx: ServiceContext): HandlerTable {
  const { state } = ctx;
  const statusReply = (taskId: string) => ({ status: 200, body: { status: state.status(state.require(taskId)) } });

  /** The parts of a claim reply shared by claimWork, claimTask and reclaimTask. */
  const claimReply = (claim: ClaimedRun) => {
    const { record, runId, takenUntil } = claim;
    const run = record.runs[runId]!;
    const workerGroup = run.workerGroup!;
    const workerId = run.workerId!;
    return {
      status: state.status(record),
      runId,
      workerGroup,
      workerId,
      takenUntil: takenUntil.toJSON(),
      credentials: taskCredentials(ctx.issuer, { taskId: record.taskId, runId, workerGroup, workerId, takenUntil }, record.definition.scopes),
    };
  };

  return {
    'queue.ping': { handle: () => ({ status: 200, body: { alive: true, uptime: (Date.now() - ctx.startedAt) / 1000 } }) },

    'queue.task': { handle: (req) => ({ status: 200, body: state.require(req.params.taskId!).definition }) },

    'queue.status': { handle: (req) => statusReply(req.params.taskId!) },

    'queue.createTask': {
      // The scopes depend on the task's own fields (scopes, routes, priority, ...).
      authorize: 'handler',
      handle: (req) => {
        const taskId = req.params.taskId!;
        const definition = normalizeTaskDefinition(taskId, req.body as CreateTaskBody);
        req.authorize({
          scopes: definition.scopes,
          routes: definition.routes,
          projectId: definition.projectId,
          schedulerId: definition.schedulerId,
          priorities: prioritiesAtOrAbove(definition.priority),
          provisionerId: definition.provisionerId,
          workerType: definition.workerType,
        });
        checkTaskTimes(definition);
        const { record } = state.createTask(taskId, definition);
        return { status: 200, body: { status: state.status(record) } };
      },
    },

    'queue.cancelTask': {
      authorize: 'handler',
      handle: (req) => {
        const record = state.require(req.params.taskId!);
        const { schedulerId, taskGroupId, projectId } = record.definition;
        req.authorize({ schedulerId, taskGroupId, projectId });
        state.cancel(record.taskId);
        return { status: 200, body: { status: state.status(record) } };
      },
    },

    'queue.scheduleTask': {
      authorize: 'handler',
      handle: (req) => {
        const record = state.require(req.params.taskId!);
        const { schedulerId, taskGroupId, projectId } = record.definition;
        req.authorize({ schedulerId, taskGroupId, projectId });
        state.schedule(record.taskId);
        return { status: 200, body: { status: state.status(record) } };
      },
    },

    'queue.rerunTask': {
      authorize: 'handler',
      handle: (req) => {
        const record = state.require(req.params.taskId!);
        const { schedulerId, taskGroupId, projectId } = record.definition;
        req.authorize({ schedulerId, taskGroupId, projectId });
        state.rerun(record.taskId);
        return { status: 200, body: { status: state.status(record) } };
      },
    },

    'queue.listDependentTasks': {
      handle: (req) => {
        const taskId = req.params.taskId!;
        state.require(taskId);
        // The continuation token is the offset of the next dependent, as an opaque string.
        const limit = Math.max(1, Math.min(1000, Number(req.query.get('limit') ?? 1000) || 1000));
        const token = req.query.get('continuationToken');
        const offset = token === null ? 0 : Number.parseInt(token, 10);
        if (!Number.isInteger(offset) || offset < 0) throw new InputError(`continuationToken ${JSON.stringify(token)} is not one this queue gave`);
        const all = state.dependentsOf(taskId);
        const page = all.slice(offset, offset + limit);
        const next = offset + page.length < all.length ? { continuationToken: String(offset + page.length) } : {};
        return {
          status: 200,
          body: { taskId, tasks: page.map((record) => ({ status: state.status(record), task: record.definition })), ...next },
        };
      },
    },

    'queue.claimWork': {
      authorize: (req) => {
        const body = req.body as ClaimBody;
        return { workerGroup: body.workerGroup, workerId: body.workerId };
      },
      handle: async (req) => {
        const { workerGroup, workerId, tasks = 1 } = req.body as ClaimBody;
        const taskQueueId = req.params.taskQueueId!;
        const pollUntil = Date.now() + ctx.longPollSeconds * 1000;
        let claims: ClaimedRun[] = [];
        // Never claim for a client that has gone away: the run would sit claimed until
        // its claim expired. Claiming is synchronous, so concurrent pollers woken together
        // each get different runs.
        for (;;) {
          if (req.signal.aborted || ctx.isStopping()) break;
          claims = state.claimWork(taskQueueId, workerGroup, workerId, tasks);
          if (claims.length > 0 || Date.now() >= pollUntil) break;
          await ctx.waiters.wait(taskQueueId, pollUntil - Date.now(), req.signal);
        }
        return {
          status: 200,
          body: { tasks: claims.map((claim) => ({ ...claimReply(claim), task: claim.record.definition })) },
        };
      },
    },

    'queue.claimTask': {
      authorize: 'handler',
      handle: (req) => {
        const { workerGroup, workerId } = req.body as ClaimBody;
        const record = state.require(req.params.taskId!);
        const { provisionerId, workerType } = record.definition;
        req.authorize({ provisionerId, workerType, workerGroup, workerId });
        const claim = state.claimTask(record.taskId, runIdOf(req), workerGroup, workerId);
        return { status: 200, body: { ...claimReply(claim), task: record.definition } };
      },
    },

    'queue.reclaimTask': {
      handle: (req) => ({ status: 200, body: claimReply(state.reclaim(req.params.taskId!, runIdOf(req))) }),
    },

    'queue.reportCompleted': {
      handle: (req) => {
        const record = state.resolve(req.params.taskId!, runIdOf(req), 'completed');
        return { status: 200, body: { status: state.status(record) } };
      },
    },

    'queue.reportFailed': {
      handle: (req) => {
        const record = state.resolve(req.params.taskId!, runIdOf(req), 'failed');
        return { status: 200, body: { status: state.status(record) } };
      },
    },

    'queue.reportException': {
      handle: (req) => {
        const { reason } = req.body as { reason: ReasonResolved };
        const record = state.reportException(req.params.taskId!, runIdOf(req), reason);
        return { status: 200, body: { status: state.status(record) } };
      },
    },
  };
}
