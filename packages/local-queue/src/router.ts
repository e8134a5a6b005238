// Dispatch of `/api/<service>/v1/...` requests: route matching on the raw path, fault
// injection, parameter checks, Hawk authentication, body validation, scope checks against
// the client's API reference, then the handler.

import type { IncomingMessage, ServerResponse } from 'node:http';
import { referenceFunction, type ServiceName } from './api-reference.js';
import type { ClientStore } from './auth/clients.js';
import type { RoleStore } from './auth/roles.js';
import { authenticateRequest, type AuthResult } from './auth/hawk.js';
import {
  formatScopeExpression,
  instantiateScopeExpression,
  MissingScopeParameter,
  unsatisfiedScopeExpression,
  type ScopeExpression,
  type ScopeParams,
} from './auth/scopes.js';
import { ApiError, InsufficientScopes, InternalServerError, InvalidRequestArguments, ResourceNotFound } from './errors.js';
import type { FaultInjector } from './faults.js';
import { compilePattern, matchPattern, splitRawPath, type CompiledPattern } from './http/path.js';
import { errorReply, readJsonBody, sendReply, type Reply } from './http/respond.js';
import { REST_PARAMS, ROUTE_TABLE, type RouteSpec } from './route-table.js';
import { IDENTIFIER_PATTERN, PRINTABLE_ASCII_PATTERN, SLUGID_PATTERN, TASK_QUEUE_ID_PATTERN, WORKER_TYPE_PATTERN } from './schemas/patterns.js';
import { validateBody } from './validation.js';

export interface RequestContext {
  req: IncomingMessage;
  res: ServerResponse;
  spec: RouteSpec;
  /** decoded path parameters */
  params: Record<string, string>;
  query: URLSearchParams;
  /** the validated body (with schema defaults filled), or undefined for routes without input */
  body: unknown;
  auth: AuthResult;
  /** aborted when the client goes away before the reply is written */
  signal: AbortSignal;
  /**
   * Checks the route's scope expression with the path parameters plus `extra` (values the
   * real service takes from the body or the stored task). Throws InsufficientScopes (403).
   */
  authorize(extra?: ScopeParams): void;
}

export interface RouteHandler {
  /**
   * When the router checks scopes: 'params' (default) right after validation with the path
   * parameters; a function adds parameters derived from the body; 'handler' leaves it to
   * the handler, which must call ctx.authorize() (for values only known after a lookup).
   */
  authorize?: 'params' | 'handler' | ((ctx: RequestContext) => ScopeParams);
  handle(ctx: RequestContext): Promise<Reply> | Reply;
}

export type HandlerTable = Record<string, RouteHandler>;

/** `<service>.<name>`, the key of a handler. */
export function routeKey(service: ServiceName, name: string): string {
  return `${service}.${name}`;
}

const PARAM_PATTERNS: Record<string, RegExp> = {
  taskId: new RegExp(SLUGID_PATTERN),
  taskGroupId: new RegExp(SLUGID_PATTERN),
  runId: /^[0-9]{1,4}$/,
  name: new RegExp(PRINTABLE_ASCII_PATTERN),
  taskQueueId: new RegExp(TASK_QUEUE_ID_PATTERN),
  provisionerId: new RegExp(IDENTIFIER_PATTERN.replace('*', '{1,38}')),
  workerGroup: new RegExp(IDENTIFIER_PATTERN.replace('*', '{1,38}')),
  workerId: new RegExp(IDENTIFIER_PATTERN.replace('*', '{1,38}')),
  workerType: new RegExp(WORKER_TYPE_PATTERN),
};

function checkParams(params: Record<string, string>): void {
  for (const [name, value] of Object.entries(params)) {
    const pattern = PARAM_PATTERNS[name];
    if (pattern && !pattern.test(value)) {
      throw new InvalidRequestArguments(`Invalid URL parameter ${name}: '${value}' does not match ${pattern.source}`);
    }
    if (name === 'runId' && Number(value) > 1000) {
      throw new InvalidRequestArguments(`Invalid URL parameter runId: ${value} is larger than 1000`);
    }
  }
}

interface CompiledRoute {
  spec: RouteSpec;
  pattern: CompiledPattern;
  handler: RouteHandler;
  scopes: ScopeExpression | undefined;
}

export interface DispatchResult {
  status: number;
  clientId: string | undefined;
  name: string | undefined;
}

export class Router {
  private readonly routes: CompiledRoute[];

  constructor(
    handlers: HandlerTable,
    private readonly clients: ClientStore,
    private readonly roles: RoleStore,
    private readonly faults: FaultInjector,
  ) {
    this.routes = ROUTE_TABLE.map((spec) => {
      const handler = handlers[routeKey(spec.service, spec.name)];
      if (!handler) throw new Error(`no handler for ${routeKey(spec.service, spec.name)}`);
      return {
        spec,
        pattern: compilePattern(spec.route, REST_PARAMS),
        handler,
        scopes: referenceFunction(spec.service, spec.name).scopes,
      };
    });
  }

  /** Finds the route for a raw path below `/api`, or undefined when nothing matches. */
  match(method: string, rawPath: string): { route: CompiledRoute; params: Record<string, string> } | undefined {
    const segments = splitRawPath(rawPath);
    if (segments[0] !== 'api' || segments[2] !== 'v1') return undefined;
    const service = segments[1];
    const rest = segments.slice(3);
    for (const route of this.routes) {
      if (route.spec.service !== service || route.spec.method !== method) continue;
      const params = matchPattern(route.pattern, rest);
      if (params) return { route, params };
    }
    return undefined;
  }

  async dispatch(req: IncomingMessage, res: ServerResponse, rawPath: string, query: URLSearchParams): Promise<DispatchResult> {
    const controller = new AbortController();
    res.on('close', () => {
      if (!res.writableFinished) controller.abort();
    });
    let params: Record<string, string> = {};
    let name: string | undefined;
    let body: unknown;
    let auth: AuthResult | undefined;
    let reply: Reply;
    try {
      const found = this.match(req.method ?? 'GET', rawPath);
      if (!found) {
        req.resume();
        throw new ResourceNotFound(`No such API endpoint: ${req.method} ${rawPath}`);
      }
      const { route } = found;
      params = found.params;
      name = route.spec.name;
      reply = await this.run(route, req, res, params, query, controller.signal, (a) => (auth = a), (b) => (body = b));
    } catch (err) {
      const apiError = err instanceof ApiError ? err : new InternalServerError(`Internal error: ${(err as Error).message ?? String(err)}`);
      reply = errorReply(apiError, { method: name ?? 'unknown', params, payload: body ?? {}, time: new Date().toJSON() });
    }
    if (!res.headersSent && !res.destroyed) sendReply(res, reply);
    return { status: reply.status, clientId: auth?.clientId, name };
  }

  private async run(
    route: CompiledRoute,
    req: IncomingMessage,
    res: ServerResponse,
    params: Record<string, string>,
    query: URLSearchParams,
    signal: AbortSignal,
    setAuth: (auth: AuthResult) => void,
    setBody: (body: unknown) => void,
  ): Promise<Reply> {
    const { spec, handler, scopes } = route;
    const fault = this.faults.take(spec.service, spec.name);
    if (fault) {
      req.resume();
      throw fault;
    }
    checkParams(params);
    // Routes without scopes are public: the real services do not even look at credentials.
    const auth: AuthResult = scopes === undefined ? { clientId: undefined, scopes: [] } : await authenticateRequest(req, query, this.clients, this.roles);
    setAuth(auth);
    let body: unknown;
    if (spec.input) {
      body = validateBody(spec.input, await readJsonBody(req));
      setBody(body);
    } else {
      req.resume();
    }

    let authorized = scopes === undefined;
    const ctx: RequestContext = {
      req,
      res,
      spec,
      params,
      query,
      body,
      auth,
      signal,
      authorize: (extra: ScopeParams = {}) => {
        if (scopes !== undefined) checkScopes(scopes, { ...params, ...extra }, auth);
        authorized = true;
      },
    };
    const mode = handler.authorize ?? 'params';
    if (mode === 'params') ctx.authorize();
    else if (typeof mode === 'function') ctx.authorize(mode(ctx));
    const reply = await handler.handle(ctx);
    if (!authorized) throw new InternalServerError(`${spec.name} replied without checking scopes`);
    return reply;
  }
}

function checkScopes(expr: ScopeExpression, params: ScopeParams, auth: AuthResult): void {
  let concrete;
  try {
    concrete = instantiateScopeExpression(expr, params);
  } catch (err) {
    if (err instanceof MissingScopeParameter) throw new InternalServerError(err.message);
    throw err;
  }
  const missing = unsatisfiedScopeExpression(auth.scopes, concrete);
  if (missing === undefined) return;
  const who = auth.clientId === undefined ? 'This request was made without credentials and' : `Client ID ${auth.clientId}`;
  throw new InsufficientScopes(
    `${who} does not have sufficient scopes and is missing the following scopes:\n\n${formatScopeExpression(missing)}\n\n` +
      `This request requires the client to satisfy the following scope expression:\n\n${formatScopeExpression(concrete)}`,
  );
}
