// Queue artifact routes: creating and finishing artifacts, reading them (303
// redirect or content form, following links), listing them and their metadata.

import tc from 'taskcluster-client';
import type { ServiceContext } from '../context.js';
import { InputError, RequestConflict, ResourceNotFound } from '../errors.js';
import type { Reply } from '../http/respond.js';
import { scopedCredentials } from '../queue/task-credentials.js';
import type { TaskRecord } from '../queue/state.js';
import type { HandlerTable, RequestContext } from '../router.js';
import { DOWNLOAD_URL_LIFETIME_MS, S3_PUT_URL_LIFETIME_MS } from '../storage/data-urls.js';
import { downloadUrl, followLinks, readableArtifact } from './read.js';
import { checkArtifactReplacement, DEFAULT_LINK_CONTENT_TYPE, laterExpiry } from './rules.js';
import { artifactSummary, type ArtifactRecord, type ArtifactRequest } from './types.js';

/** createArtifact accepts `expires` up to this far in the past. */
const EXPIRES_PAST_TOLERANCE_MS = 15 * 60 * 1000;
/** Object upload credentials last a day at most. */
const UPLOAD_CREDENTIALS_MAX_MS = 24 * 60 * 60 * 1000;
const STORAGE_TYPE_HEADER = 'x-taskcluster-artifact-storage-type';
const DEFAULT_LIST_LIMIT = 1000;

export function artifactHandlers(ctx: ServiceContext): HandlerTable {
  const { state, artifacts, objects, urls } = ctx;

  const publishCreated = (record: TaskRecord, artifact: ArtifactRecord) => {
    const run = record.runs[artifact.runId]!;
    state.publish('artifact-created', record, artifact.runId, {
      runId: artifact.runId,
      workerGroup: run.workerGroup,
      workerId: run.workerId,
      artifact: artifactSummary(artifact),
    });
  };

  /** The run a read refers to: the given one, or the latest for the `latest*` calls. */
  const readRun = (req: RequestContext): { record: TaskRecord; runId: number } => {
    const record = state.get(req.params.taskId!);
    if (!record) throw new ResourceNotFound(`Task ${req.params.taskId} not found`);
    const runId = req.params.runId !== undefined ? Number(req.params.runId) : record.runs.length - 1;
    if (!record.runs[runId]) throw new ResourceNotFound(`Run ${req.params.runId ?? 'latest'} of task ${record.taskId} not found`);
    return { record, runId };
  };

  /**
   * Finds the artifact a read names, following links within the run. The caller needs
   * `queue:get-artifact:<name>` for every name along the chain (checked before anything
   * about the artifact is revealed, then again for the whole chain).
   */
  const resolveForRead = (req: RequestContext): ArtifactRecord => {
    const name = req.params.name!;
    req.authorize({ names: [name] });
    const { record, runId } = readRun(req);
    const { names, artifact } = followLinks(artifacts, record.taskId, runId, name);
    req.authorize({ names });
    return readableArtifact(names, artifact);
  };

  /** getArtifact / getLatestArtifact: 303 to the data, or 424 for error artifacts. */
  const redirectReply = (req: RequestContext): Reply => {
    const artifact = resolveForRead(req);
    const headers = { [STORAGE_TYPE_HEADER]: artifact.storageType };
    if (artifact.storageType === 'error') {
      return { status: 424, headers, body: { reason: artifact.reason, message: artifact.message } };
    }
    const url = downloadUrl(urls, artifact);
    return { status: 303, headers: { ...headers, location: url }, body: { storageType: artifact.storageType, url } };
  };

  /** artifact / latestArtifact: how to download, as JSON. */
  const contentReply = (req: RequestContext): Reply => {
    const artifact = resolveForRead(req);
    switch (artifact.storageType) {
      case 'error':
        return { status: 200, body: { storageType: 'error', reason: artifact.reason, message: artifact.message } };
      case 'object': {
        const name = artifact.objectName!;
        const credentials = scopedCredentials(ctx.issuer, [`object:download:${name}`], new Date(Date.now() + DOWNLOAD_URL_LIFETIME_MS));
        return { status: 200, body: { storageType: 'object', name, credentials } };
      }
      default:
        return { status: 200, body: { storageType: artifact.storageType, url: downloadUrl(urls, artifact) } };
    }
  };

  const listReply = (req: RequestContext): Reply => {
    const { record, runId } = readRun(req);
    const all = artifacts.list(record.taskId, runId).filter((a) => a.present);
    const limit = Math.max(1, Math.min(Number(req.query.get('limit') ?? DEFAULT_LIST_LIMIT) || DEFAULT_LIST_LIMIT, DEFAULT_LIST_LIMIT));
    const offset = Number(req.query.get('continuationToken') ?? '0') || 0;
    const page = all.slice(offset, offset + limit);
    const body: { artifacts: ReturnType<typeof artifactSummary>[]; continuationToken?: string } = { artifacts: page.map(artifactSummary) };
    if (offset + limit < all.length) body.continuationToken = String(offset + limit);
    return { status: 200, body };
  };

  const infoReply = (req: RequestContext): Reply => {
    const { record, runId } = readRun(req);
    const artifact = artifacts.get(record.taskId, runId, req.params.name!);
    if (!artifact || !artifact.present) throw new ResourceNotFound(`Artifact ${req.params.name} not found`);
    return { status: 200, body: artifactSummary(artifact) };
  };

  const createArtifact = async (req: RequestContext): Promise<Reply> => {
    const request = req.body as ArtifactRequest;
    const taskId = req.params.taskId!;
    const runId = Number(req.params.runId);
    const name = req.params.name!;
    const now = Date.now();
    // Unknown task or run is the caller's input error here, not a 404 (as in the real queue).
    const record = state.get(taskId);
    if (!record) throw new InputError(`Task ${taskId} not found`);
    const run = record.runs[runId];
    if (!run) throw new InputError(`Run ${runId} of task ${taskId} not found`);
    if (run.workerGroup === undefined) throw new InputError(`Run ${runId} of task ${taskId} was never claimed`);
    const expires = Date.parse(request.expires);
    if (expires < now - EXPIRES_PAST_TOLERANCE_MS) throw new InputError(`Artifact expires (${request.expires}) is in the past`);
    if (expires > Date.parse(record.definition.expires)) {
      throw new InputError(`Artifact expires (${request.expires}) is after the task's expires (${record.definition.expires})`);
    }
    state.settle(record, now);
    if (!state.acceptsArtifacts(record, run, now)) {
      throw new RequestConflict(`Artifacts cannot be created for run ${runId} of task ${taskId}: it is ${run.state}`);
    }
    const existing = artifacts.get(taskId, runId, name);
    if (existing) checkArtifactReplacement(existing, request);
    const base = { taskId, runId, name, expires: new Date(request.expires).toJSON() };
    if (existing && existing.storageType === request.storageType) base.expires = laterExpiry(existing.expires, request.expires);

    switch (request.storageType) {
      case 's3': {
        // Data uploaded earlier stays until a new PUT replaces it.
        const artifact: ArtifactRecord = { ...base, storageType: 's3', contentType: request.contentType, present: true, file: existing?.file };
        artifacts.put(artifact);
        const putUrl = urls.s3Put(taskId, runId, name, now + S3_PUT_URL_LIFETIME_MS);
        return { status: 200, body: { storageType: 's3', putUrl, expires: artifact.expires, contentType: artifact.contentType } };
      }
      case 'object': {
        // A repeat hands out the upload that was already locked in.
        const objectName = existing?.objectName ?? `t/${taskId}/${runId}/${name}`;
        const projectId = existing?.projectId ?? record.definition.projectId;
        const uploadId = existing?.uploadId ?? tc.slugid();
        const artifact: ArtifactRecord = {
          ...base,
          expires: existing?.expires ?? base.expires,
          storageType: 'object',
          contentType: request.contentType,
          present: existing?.present ?? false,
          objectName,
          projectId,
          uploadId,
        };
        if (!objects.get(objectName)) {
          await objects.createUpload(objectName, { projectId, uploadId, expires: artifact.expires, proposedUploadMethods: {} });
        }
        artifacts.put(artifact);
        const credentialsExpiry = new Date(Math.min(now + UPLOAD_CREDENTIALS_MAX_MS, Date.parse(artifact.expires)));
        const credentials = scopedCredentials(ctx.issuer, [`object:upload:${projectId}:${objectName}`], credentialsExpiry);
        return {
          status: 200,
          body: { storageType: 'object', name: objectName, projectId, uploadId, expires: artifact.expires, credentials },
        };
      }
      case 'reference': {
        const artifact: ArtifactRecord = { ...base, storageType: 'reference', contentType: request.contentType, present: true, url: request.url };
        artifacts.put(artifact);
        publishCreated(record, artifact);
        return { status: 200, body: { storageType: 'reference' } };
      }
      case 'link': {
        const contentType = request.contentType ?? existing?.contentType ?? DEFAULT_LINK_CONTENT_TYPE;
        const artifact: ArtifactRecord = { ...base, storageType: 'link', contentType, present: true, artifact: request.artifact };
        artifacts.put(artifact);
        publishCreated(record, artifact);
        return { status: 200, body: { storageType: 'link' } };
      }
      case 'error': {
        const artifact: ArtifactRecord = {
          ...base,
          storageType: 'error',
          contentType: 'application/json',
          present: true,
          reason: request.reason,
          message: request.message,
        };
        artifacts.put(artifact);
        publishCreated(record, artifact);
        return { status: 200, body: { storageType: 'error' } };
      }
    }
  };

  const finishArtifact = (req: RequestContext): Reply => {
    const { uploadId } = req.body as { uploadId: string };
    const record = state.require(req.params.taskId!);
    const runId = Number(req.params.runId);
    if (!record.runs[runId]) throw new ResourceNotFound(`Run ${runId} of task ${record.taskId} not found`);
    const artifact = artifacts.get(record.taskId, runId, req.params.name!);
    if (!artifact) throw new ResourceNotFound(`Artifact ${req.params.name} not found`);
    if (artifact.storageType !== 'object') throw new InputError(`Only object artifacts can be finished; ${artifact.name} is ${artifact.storageType}`);
    if (artifact.uploadId !== uploadId) throw new InputError(`uploadId ${uploadId} does not match the artifact's upload`);
    if (!objects.get(artifact.objectName!)?.finished) {
      throw new InputError(`Object ${artifact.objectName} has not been uploaded and finished`);
    }
    artifact.present = true;
    publishCreated(record, artifact);
    return { status: 204 };
  };

  return {
    'queue.createArtifact': { handle: createArtifact },
    'queue.finishArtifact': { handle: finishArtifact },
    'queue.getArtifact': { authorize: 'handler', handle: redirectReply },
    'queue.getLatestArtifact': { authorize: 'handler', handle: redirectReply },
    'queue.artifact': { authorize: 'handler', handle: contentReply },
    'queue.latestArtifact': { authorize: 'handler', handle: contentReply },
    'queue.listArtifacts': { handle: listReply },
    'queue.listLatestArtifacts': { handle: listReply },
    'queue.artifactInfo': { handle: infoReply },
    'queue.latestArtifactInfo': { handle: infoReply },
  };
}
