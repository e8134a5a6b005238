import { describe, expect, it } from '@jest/globals';
import { createWorkerLog } from './worker-log.js';

function capture(format: 'json' | 'pretty', level: 'debug' | 'info' | 'warn' | 'error' = 'info') {
  const lines: string[] = [];
  const log = createWorkerLog({ format, level, write: (line) => lines.push(line) });
  return { log, lines, records: () => lines.map((line) => JSON.parse(line) as Record<string, unknown>) };
}

describe('the worker log (pino)', () => {
  it('writes one JSON record a line with level, time and type, and the fields', () => {
    const { log, lines, records } = capture('json');
    log.info('claimed task', { taskId: 'T', runId: 0, gone: undefined });
    expect(lines).toHaveLength(1);
    expect(lines[0]!.endsWith('\n')).toBe(true);
    const [record] = records();
    expect(record).toEqual({ level: 'info', time: expect.stringMatching(/^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{3}Z$/), type: 'claimed task', taskId: 'T', runId: 0 });
  });

  it('keeps the type and a child\'s fields in every record, and drops records below the level', () => {
    const { log, records } = capture('json', 'warn');
    const child = log.child({ taskId: 'T' }).child({ runId: 2 });
    child.info('not shown');
    child.warn('reclaim failed', { attempt: 3 });
    log.error('task run crashed');
    expect(records()).toEqual([
      expect.objectContaining({ level: 'warn', type: 'reclaim failed', taskId: 'T', runId: 2, attempt: 3 }),
      expect.objectContaining({ level: 'error', type: 'task run crashed' }),
    ]);
  });

  it('serializes any field holding an error with name, message, stack, code, status code and causes', () => {
    const { log, records } = capture('json');
    const root = Object.assign(new Error('socket hang up'), { code: 'ECONNRESET' });
    const http = Object.assign(new Error('Internal Server Error', { cause: root }), { name: 'InternalServerError', statusCode: 500, body: { secret: 'not logged' } });
    const outer = new TypeError('task run crashed: resolving failed', { cause: http });
    log.error('task run crashed', { taskId: 'T', error: outer, also: new RangeError('second field') });
    const [record] = records();
    const error = record!.error as Record<string, unknown>;
    expect(error).toMatchObject({ name: 'TypeError', message: 'task run crashed: resolving failed' });
    expect(error.stack).toMatch(/^TypeError: task run crashed: resolving failed\n\s+at /);
    expect(error.stack).toContain('worker-log.test.ts');
    const cause = error.cause as Record<string, unknown>;
    expect(cause).toMatchObject({ name: 'InternalServerError', message: 'Internal Server Error', statusCode: 500 });
    expect(cause).not.toHaveProperty('body');
    expect(cause.stack).toMatch(/^InternalServerError: Internal Server Error\n/);
    expect(cause.cause).toMatchObject({ name: 'Error', message: 'socket hang up', code: 'ECONNRESET', stack: expect.stringContaining('socket hang up') });
    expect(record!.also).toMatchObject({ name: 'RangeError', message: 'second field', stack: expect.any(String) });
  });

  it('survives an error whose cause chain is a loop', () => {
    const { log, records } = capture('json');
    const a = new Error('a');
    const b = new Error('b', { cause: a });
    (a as { cause?: unknown }).cause = b;
    log.warn('loop', { error: a });
    let depth = 0;
    for (let e = records()[0]!.error as { cause?: unknown } | undefined; e; e = e.cause as typeof e) depth++;
    expect(depth).toBeGreaterThan(2);
    expect(depth).toBeLessThan(12);
  });

  it('pretty: one line per record with the time, level, type and key=value fields; an error\'s stack and causes on the lines after', () => {
    const { log, lines } = capture('pretty');
    log.info('claimed task', { taskId: 'T', runId: 0, image: { name: 'x' } });
    log.error('task run crashed', { taskId: 'T', error: Object.assign(new Error('boom', { cause: new RangeError('inner') }), { statusCode: 503 }) });
    expect(lines[0]).toMatch(/^\[\d\d:\d\d:\d\d\.\d{3}\] INFO: claimed task taskId=T runId=0 image=\{"name":"x"\}\n$/);
    const [first, ...rest] = lines[1]!.trimEnd().split('\n');
    expect(first).toMatch(/^\[\d\d:\d\d:\d\d\.\d{3}\] ERROR: task run crashed taskId=T error=Error: boom \(HTTP 503\)$/);
    expect(rest[0]).toBe('    Error: boom');
    expect(rest[1]).toMatch(/^\s+at .*worker-log\.test\.ts/);
    expect(rest).toContain('    caused by: RangeError: inner');
  });
});
