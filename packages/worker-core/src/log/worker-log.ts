import { types } from 'node:util';
import pino, { type Logger } from 'pino';
import { prettyFactory } from 'pino-pretty';

/**
 * The worker's own structured log (not a task log). One record per event with a `type`
 * string, like the original's (`claimed task`, `task resolved`, ...), written to stderr so
 * stdout stays free for task output (`worker run`) and the worker-runner protocol. pino does
 * the records (JSON, one a line); `pretty` passes each through pino-pretty for a terminal.
 */
export type LogLevel = 'debug' | 'info' | 'warn' | 'error';

export interface WorkerLog {
  debug(type: string, fields?: Record<string, unknown>): void;
  info(type: string, fields?: Record<string, unknown>): void;
  warn(type: string, fields?: Record<string, unknown>): void;
  error(type: string, fields?: Record<string, unknown>): void;
  child(fields: Record<string, unknown>): WorkerLog;
}

export interface WorkerLogOptions {
  format: 'json' | 'pretty';
  level: LogLevel;
  write?: (line: string) => void;
  fields?: Record<string, unknown>;
}

/** What a logged error becomes: enough to find where it came from and why. */
export interface SerializedError {
  name: string;
  message: string;
  stack?: string;
  code?: unknown;
  /** An HTTP answer's status (taskcluster-client, dockerode and our uploads set `statusCode`). */
  statusCode?: number;
  /** Serialized the same way when it is an error; anything else as it is. */
  cause?: unknown;
}

// A cause chain deeper than this is a loop or a pathology; the stack of the first ones says enough.
const MAX_CAUSE_DEPTH = 8;

function isError(value: unknown): value is Error {
  // isNativeError also recognises errors made in another realm (a test's VM context).
  return value instanceof Error || types.isNativeError(value);
}

/**
 * Picked fields only, not every enumerable property: client errors carry request and response
 * bodies that do not belong in a log line.
 */
export function serializeError(err: Error, depth = 0): SerializedError {
  const out: SerializedError = { name: err.name, message: err.message, stack: err.stack };
  const { code, statusCode } = err as { code?: unknown; statusCode?: unknown };
  if (code !== undefined) out.code = code;
  if (typeof statusCode === 'number') out.statusCode = statusCode;
  if (err.cause !== undefined) {
    out.cause = isError(err.cause) ? (depth < MAX_CAUSE_DEPTH ? serializeError(err.cause, depth + 1) : { name: err.cause.name, message: err.cause.message }) : err.cause;
  }
  return out;
}

function withErrorsSerialized(fields: Record<string, unknown>): Record<string, unknown> {
  const out: Record<string, unknown> = {};
  for (const [key, value] of Object.entries(fields)) {
    if (value === undefined) continue;
    out[key] = isError(value) ? serializeError(value) : value;
  }
  return out;
}

function wrap(logger: Logger): WorkerLog {
  const emit = (level: LogLevel) => (type: string, fields: Record<string, unknown> = {}) => logger[level](withErrorsSerialized(fields), type);
  return {
    debug: emit('debug'),
    info: emit('info'),
    warn: emit('warn'),
    error: emit('error'),
    child: (fields) => wrap(logger.child(withErrorsSerialized(fields))),
  };
}

function isSerializedError(value: unknown): value is SerializedError {
  return typeof value === 'object' && value !== null && typeof (value as SerializedError).message === 'string' && typeof (value as SerializedError).stack === 'string';
}

/** An error's stack and its causes' stacks, indented under the record's line. */
function stackLines(err: SerializedError): string {
  let text = '';
  let prefix = '';
  for (let e: unknown = err, depth = 0; isSerializedError(e) && depth <= MAX_CAUSE_DEPTH; e = e.cause, depth++) {
    text += `\n${`${prefix}${e.stack}`.replace(/^/gm, '    ')}`;
    prefix = 'caused by: ';
  }
  return text;
}

/**
 * `pretty`: `[12:34:56.789] INFO: claimed task taskId=... runId=0`, the type and `key=value`
 * pairs on one line (grep-able like the JSON's fields), an error field as `error=Name: message`
 * (and `(HTTP 503)` when it has a status code) with its stack and causes on the lines below.
 */
function prettyMessage(record: Record<string, unknown>, messageKey: string): string {
  const { [messageKey]: type, level: _level, time: _time, ...fields } = record;
  let stacks = '';
  const details = Object.entries(fields).map(([key, value]) => {
    if (isSerializedError(value)) {
      stacks += stackLines(value);
      return `${key}=${value.name}: ${value.message}${value.statusCode === undefined ? '' : ` (HTTP ${value.statusCode})`}`;
    }
    return `${key}=${typeof value === 'string' ? value : JSON.stringify(value)}`;
  });
  return `${String(type)}${details.length > 0 ? ` ${details.join(' ')}` : ''}${stacks}`;
}

export function createWorkerLog(options: WorkerLogOptions): WorkerLog {
  const write = options.write ?? ((line: string) => process.stderr.write(line));
  // pino-pretty's formatter, not its transport: a transport writes from a stream pipeline, so
  // the line before a process.exit() could be lost; this writes each record as it is logged.
  const prettify =
    options.format === 'pretty'
      ? prettyFactory({
          messageKey: 'type',
          messageFormat: (record, messageKey) => prettyMessage(record, messageKey),
          hideObject: true,
          translateTime: 'UTC:HH:MM:ss.l',
          colorize: options.write === undefined && process.stderr.isTTY === true,
        })
      : undefined;
  const logger = pino(
    {
      level: options.level,
      // `type` is what operators and tests match on: it is the record's message key.
      messageKey: 'type',
      base: undefined,
      timestamp: pino.stdTimeFunctions.isoTime,
      formatters: { level: (label) => ({ level: label }) },
    },
    { write: prettify ? (line: string) => write(prettify(line)) : write },
  );
  return wrap(options.fields ? logger.child(withErrorsSerialized(options.fields)) : logger);
}

/** For tests and embedding: records everything, prints nothing. */
export function createMemoryLog(): WorkerLog & { records: Array<{ level: LogLevel; type: string } & Record<string, unknown>> } {
  const records: Array<{ level: LogLevel; type: string } & Record<string, unknown>> = [];
  const make = (base: Record<string, unknown>): WorkerLog => {
    const emit = (level: LogLevel) => (type: string, fields: Record<string, unknown> = {}) => {
      records.push({ ...base, ...fields, level, type });
    };
    return { debug: emit('debug'), info: emit('info'), warn: emit('warn'), error: emit('error'), child: (f) => make({ ...base, ...f }) };
  };
  return Object.assign(make({}), { records });
}
