/**
 * The worker's own structured log (not a task log). One record per event with a `type`
 * string, like the original's (`claimed task`, `task resolved`, ...), written to stderr so
 * stdout stays free for task output (`worker run`) and the worker-runner protocol.
 */
export type LogLevel = 'debug' | 'info' | 'warn' | 'error';
const LEVELS: Record<LogLevel, number> = { debug: 10, info: 20, warn: 30, error: 40 };

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

function errorFields(fields: Record<string, unknown>): Record<string, unknown> {
  const out: Record<string, unknown> = {};
  for (const [k, v] of Object.entries(fields)) {
    if (v === undefined) continue;
    out[k] = v instanceof Error ? { message: v.message, name: v.name } : v;
  }
  return out;
}

export function createWorkerLog(options: WorkerLogOptions): WorkerLog {
  const write = options.write ?? ((line: string) => process.stderr.write(line));
  const base = options.fields ?? {};
  const emit = (level: LogLevel, type: string, fields: Record<string, unknown> = {}) => {
    if (LEVELS[level] < LEVELS[options.level]) return;
    const record = { time: new Date().toISOString(), level, type, ...base, ...errorFields(fields) };
    if (options.format === 'json') {
      write(`${JSON.stringify(record)}\n`);
      return;
    }
    const { time, level: _l, type: _t, ...rest } = record;
    const details = Object.entries(rest)
      .map(([k, v]) => `${k}=${typeof v === 'string' ? v : JSON.stringify(v)}`)
      .join(' ');
    write(`${time.slice(11, 23)} ${level.padEnd(5)} ${type}${details ? ` ${details}` : ''}\n`);
  };
  return {
    debug: (t, f) => emit('debug', t, f),
    info: (t, f) => emit('info', t, f),
    warn: (t, f) => emit('warn', t, f),
    error: (t, f) => emit('error', t, f),
    child: (fields) => createWorkerLog({ ...options, write, fields: { ...base, ...fields } }),
  };
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
