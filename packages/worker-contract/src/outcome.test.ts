import { copyFile, mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import {
  ImageError,
  InternalError,
  MalformedPayloadError,
  TaskCanceledError,
  TaskError,
  TaskFailedError,
  isTaskError,
  outcomeOf,
} from './outcome.js';

const built = join(dirname(fileURLToPath(import.meta.url)), '../dist/outcome.js');

/** A second copy of the built module, as a feature installed with its own worker-contract would load it. */
async function secondCopy(dir: string): Promise<typeof import('./outcome.js')> {
  await writeFile(join(dir, 'package.json'), '{"type": "module"}');
  await copyFile(built, join(dir, 'outcome.js'));
  return (await import(pathToFileURL(join(dir, 'outcome.js')).href)) as typeof import('./outcome.js');
}

describe('outcome errors', () => {
  it('classify their own kind', () => {
    expect(outcomeOf(new MalformedPayloadError(['payload.x is bad']))).toEqual({ state: 'exception', reason: 'malformed-payload' });
    expect(outcomeOf(new ImageError('gone'))).toEqual({ state: 'failed' });
    expect(outcomeOf(new TaskCanceledError('canceled'))).toEqual({ state: 'canceled' });
    expect(outcomeOf(new Error('boom'))).toEqual({ state: 'exception', reason: 'internal-error' });
    expect(outcomeOf('a string')).toEqual({ state: 'exception', reason: 'internal-error' });
    expect(new ImageError('gone')).toBeInstanceOf(TaskFailedError);
    expect(new ImageError('gone') instanceof InternalError).toBe(false);
  });

  describe('from a second copy of worker-contract', () => {
    let dir: string;
    let other: typeof import('./outcome.js');
    beforeAll(async () => {
      dir = await mkdtemp(join(tmpdir(), 'dw-contract-copy-'));
      other = await secondCopy(dir);
    });
    afterAll(async () => {
      await rm(dir, { recursive: true, force: true });
    });

    it('are other classes, yet classified by their outcome', () => {
      const err = new other.MalformedPayloadError(['payload.features.x: bad']);
      expect(Object.getPrototypeOf(err)).not.toBe(MalformedPayloadError.prototype);
      expect(outcomeOf(err)).toEqual({ state: 'exception', reason: 'malformed-payload' });
      expect(outcomeOf(new other.ImageError('image gone'))).toEqual({ state: 'failed' });
      expect(outcomeOf(new other.TaskCanceledError('canceled'))).toEqual({ state: 'canceled' });
      expect(other.outcomeOf(new ImageError('image gone'))).toEqual({ state: 'failed' });
    });

    it('pass instanceof for their class and its ancestors only', () => {
      const err = new other.ImageError('image gone');
      expect(err instanceof ImageError).toBe(true);
      expect(err instanceof TaskFailedError).toBe(true);
      expect(err instanceof TaskError).toBe(true);
      expect(err instanceof MalformedPayloadError).toBe(false);
      expect(err instanceof InternalError).toBe(false);
      expect(isTaskError(err)).toBe(true);
      expect(new other.MalformedPayloadError(['p']) instanceof MalformedPayloadError).toBe(true);
    });
  });

  it('an object carrying the brand is read by its outcome; a lookalike without it is not', () => {
    const branded = Object.assign(new Error('from elsewhere'), {
      [Symbol.for('@docker-worker/worker-contract:TaskError')]: ['ResourceUnavailableError', 'TaskError'],
      outcome: { state: 'exception', reason: 'resource-unavailable' },
    });
    expect(outcomeOf(branded)).toEqual({ state: 'exception', reason: 'resource-unavailable' });
    const lookalike = Object.assign(new Error('plain'), { outcome: { state: 'completed' } });
    expect(outcomeOf(lookalike)).toEqual({ state: 'exception', reason: 'internal-error' });
    const badOutcome = Object.assign(new Error('x'), { [Symbol.for('@docker-worker/worker-contract:TaskError')]: ['TaskError'], outcome: { state: 'exception', reason: 'nonsense' } });
    expect(outcomeOf(badOutcome)).toEqual({ state: 'exception', reason: 'internal-error' });
  });
});
