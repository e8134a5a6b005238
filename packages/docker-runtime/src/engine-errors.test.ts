import { describe, expect, it } from '@jest/globals';
import { EngineUnavailableError, InternalError } from '@docker-worker/worker-contract';
import { engineFailure, engineMessage, isConnectionError, statusCodeOf } from './engine-errors.js';

describe('engine errors', () => {
  it('recovers the engine message from docker-modem errors', () => {
    const streamed = Object.assign(new Error('(HTTP code 404) no such container - Could not find the file /x in container abc '), { statusCode: 404, json: null });
    expect(engineMessage(streamed)).toBe('Could not find the file /x in container abc');
    expect(statusCodeOf(streamed)).toBe(404);
    const parsed = Object.assign(new Error('(HTTP code 409) unexpected - whatever '), { statusCode: 409, json: { message: 'is not running' } });
    expect(engineMessage(parsed)).toBe('is not running');
    expect(engineMessage(new Error('plain'))).toBe('plain');
  });

  it('tells socket failures apart', () => {
    const refused = Object.assign(new Error('connect ECONNREFUSED /var/run/docker.sock'), { code: 'ECONNREFUSED' });
    expect(isConnectionError(refused)).toBe(true);
    expect(isConnectionError(Object.assign(new Error('x'), { statusCode: 500 }))).toBe(false);
    const failure = engineFailure('start container c', refused);
    // An engine that cannot be reached is not the task's doing: the queue runs it again.
    expect(failure).toBeInstanceOf(EngineUnavailableError);
    expect(failure.outcome).toEqual({ state: 'exception', reason: 'worker-shutdown' });
    expect(failure.message).toBe('Could not start container c: the Docker engine is not reachable: connect ECONNREFUSED /var/run/docker.sock');
    expect(engineFailure('start container c', Object.assign(new Error('x'), { statusCode: 500 }))).toBeInstanceOf(InternalError);
  });
});
