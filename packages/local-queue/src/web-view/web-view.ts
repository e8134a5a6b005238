// The web view of the embedded queue (for `worker start`): the page at `/`, its files under
// `/_webview/static/`, and the JSON it reads and the actions it takes under `/_webview/api/`.
// The real queue's routes under `/api/` are untouched; what the page needs beyond them (all
// tasks at once, downloads and actions without Hawk credentials) lives under this prefix only,
// and acts with the queue's own state, as the queue's own client would.

import { randomBytes } from 'node:crypto';
import type { IncomingMessage, ServerResponse } from 'node:http';
import type { ServiceContext } from '../context.js';
import { downloadUrl, followLinks, readableArtifact } from '../artifacts/read.js';
import { ApiError, InternalServerError, InvalidRequestArguments, ResourceNotFound } from '../errors.js';
import { sendReply, type Reply } from '../http/respond.js';
import { SLUGID_PATTERN } from '../schemas/patterns.js';
import { checkHost, checkSameSite, WebViewRefused } from './request-guard.js';
import { StaticAssets } from './static-assets.js';
import { taskDetail, taskList } from './task-views.js';

export const WEB_VIEW_PREFIX = '/_webview/';

const SLUGID = new RegExp(SLUGID_PATTERN);
const RUN_ID = /^[0-9]{1,4}$/;

/** The page runs only its own scripts, talks to this server and to live log servers, and is never framed (no clickjacking of its buttons). */
const PAGE_HEADERS = {
  'content-security-policy': "default-src 'none'; script-src 'self'; style-src 'self'; img-src 'self'; connect-src 'self' http: https:; frame-ancestors 'none'; base-uri 'none'; form-action 'none'",
  'x-frame-options': 'DENY',
  'x-content-type-options': 'nosniff',
  'referrer-policy': 'no-referrer',
  'cache-control': 'no-cache',
};

export class WebView {
  private constructor(
    private readonly ctx: ServiceContext,
    /** Per server start: what the page's POSTs must carry (see request-guard.ts). */
    readonly token: string,
    private readonly assets: StaticAssets,
  ) {}

  static async create(ctx: ServiceContext): Promise<WebView> {
    const token = randomBytes(24).toString('base64url');
    return new WebView(ctx, token, await StaticAssets.load(token));
  }

  /** Whether a path is the web view's. */
  static serves(rawPath: string): boolean {
    return rawPath === '/' || rawPath.startsWith(WEB_VIEW_PREFIX);
  }

  /** Answers one request; returns its status. */
  async handle(req: IncomingMessage, res: ServerResponse, rawPath: string): Promise<number> {
    req.resume();
    let answer: Reply;
    try {
      checkHost(req);
      answer = this.route(req, rawPath);
    } catch (err) {
      const error = err instanceof ApiError ? err : new InternalServerError(`Internal error: ${(err as Error).message}`);
      answer = { status: error.statusCode, body: { code: error.code, message: error.message } };
    }
    sendReply(res, { ...answer, headers: { 'x-content-type-options': 'nosniff', 'cache-control': 'no-store', ...answer.headers } });
    return answer.status;
  }

  private route(req: IncomingMessage, rawPath: string): Reply {
    const method = req.method ?? 'GET';
    // A CORS preflight is what a foreign page's POST with our header needs first: refused.
    if (method === 'OPTIONS') throw new WebViewRefused('The web view answers no cross-origin requests: CORS preflight refused');
    const read = method === 'GET' || method === 'HEAD';
    if (rawPath === '/') {
      if (!read) throw methodNotAllowed(method, rawPath);
      return { status: 200, raw: this.assets.page, headers: { ...PAGE_HEADERS, 'content-type': 'text/html; charset=utf-8' } };
    }
    const segments = rawPath.slice(WEB_VIEW_PREFIX.length).split('/');
    if (segments[0] === 'static' && segments.length === 2) {
      if (!read) throw methodNotAllowed(method, rawPath);
      const asset = this.assets.get(segments[1]!);
      if (!asset) throw new ResourceNotFound(`No such file of the web view: ${rawPath}`);
      return { status: 200, raw: asset.body, headers: { 'content-type': asset.contentType, 'cache-control': 'no-cache' } };
    }
    if (segments[0] !== 'api' || segments[1] !== 'tasks') throw new ResourceNotFound(`No such web view route: ${method} ${rawPath}`);
    const { state } = this.ctx;
    if (segments.length === 2) {
      if (!read) throw methodNotAllowed(method, rawPath);
      return { status: 200, body: { tasks: taskList(state) } };
    }
    const taskId = segments[2]!;
    if (!SLUGID.test(taskId)) throw new InvalidRequestArguments(`Invalid URL parameter taskId: '${taskId}' does not match ${SLUGID.source}`);
    const rest = segments.slice(3);
    if (rest.length === 0) {
      if (!read) throw methodNotAllowed(method, rawPath);
      return { status: 200, body: taskDetail(state, this.ctx.artifacts, state.require(taskId)) };
    }
    if (rest.length === 1 && (rest[0] === 'cancel' || rest[0] === 'rerun')) {
      if (method !== 'POST') throw methodNotAllowed(method, rawPath);
      checkSameSite(req, this.token);
      const record = state.require(taskId);
      if (rest[0] === 'cancel') state.cancel(taskId);
      else state.rerun(taskId);
      return { status: 200, body: { status: state.status(record) } };
    }
    if (rest[0] === 'runs' && rest[2] === 'artifacts' && rest.length >= 4) {
      if (!read) throw methodNotAllowed(method, rawPath);
      return this.download(taskId, rest[1]!, rest.slice(3).join('/'));
    }
    throw new ResourceNotFound(`No such web view route: ${method} ${rawPath}`);
  }

  /** A 303 to the artifact's bytes (links followed within the run), as getArtifact answers, without asking for scopes. */
  private download(taskId: string, runIdText: string, rawName: string): Reply {
    if (!RUN_ID.test(runIdText)) throw new InvalidRequestArguments(`Invalid URL parameter runId: '${runIdText}' does not match ${RUN_ID.source}`);
    let name: string;
    try {
      name = decodeURIComponent(rawName);
    } catch {
      throw new InvalidRequestArguments(`Invalid URL parameter name: '${rawName}' is not a percent-encoded artifact name`);
    }
    const { state, artifacts, urls } = this.ctx;
    const record = state.require(taskId);
    const runId = Number(runIdText);
    if (!record.runs[runId]) throw new ResourceNotFound(`Run ${runId} of task ${taskId} not found`);
    const { names, artifact: found } = followLinks(artifacts, taskId, runId, name);
    const artifact = readableArtifact(names, found);
    if (artifact.storageType === 'error') return { status: 424, body: { reason: artifact.reason, message: artifact.message } };
    return { status: 303, headers: { location: downloadUrl(urls, artifact) } };
  }
}

function methodNotAllowed(method: string, rawPath: string): ApiError {
  return new ApiError('MethodNotAllowed', `${method} is not served at ${rawPath}`, 405);
}
