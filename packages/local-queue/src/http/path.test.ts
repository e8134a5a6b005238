import { InvalidRequestArguments } from '../errors.js';
import { compilePattern, decodeSegment, matchPattern, splitRawPath } from './path.js';

const REST = new Set(['name', 'taskQueueId']);

describe('splitRawPath', () => {
  it('splits on raw slashes only, keeping encoded ones inside segments', () => {
    expect(splitRawPath('/task/abc/artifacts/public%2Flogs%2Flive.log')).toEqual(['task', 'abc', 'artifacts', 'public%2Flogs%2Flive.log']);
    expect(splitRawPath('/')).toEqual([]);
    expect(splitRawPath('')).toEqual([]);
    expect(splitRawPath('/a//b')).toEqual(['a', '', 'b']);
  });
});

describe('decodeSegment', () => {
  it('decodes percent-escapes', () => {
    expect(decodeSegment('public%2Flogs%2Flive.log')).toBe('public/logs/live.log');
    expect(decodeSegment('a%20b')).toBe('a b');
  });

  it('rejects malformed escapes as InvalidRequestArguments', () => {
    expect(() => decodeSegment('%E0%A4%A')).toThrow(InvalidRequestArguments);
  });
});

describe('matchPattern', () => {
  const artifact = compilePattern('/task/<taskId>/runs/<runId>/artifacts/<name>', REST);
  const list = compilePattern('/task/<taskId>/runs/<runId>/artifacts', REST);
  const task = compilePattern('/task/<taskId>', REST);

  it('lets a trailing name take the rest of the path, encoded or raw', () => {
    const seg = (p: string) => splitRawPath(p);
    expect(matchPattern(artifact, seg('/task/T/runs/0/artifacts/public%2Flogs%2Flive.log'))).toEqual({ taskId: 'T', runId: '0', name: 'public/logs/live.log' });
    expect(matchPattern(artifact, seg('/task/T/runs/0/artifacts/public/logs/live.log'))).toEqual({ taskId: 'T', runId: '0', name: 'public/logs/live.log' });
    expect(matchPattern(artifact, seg('/task/T/runs/0/artifacts/public/a%2Fb'))).toEqual({ taskId: 'T', runId: '0', name: 'public/a/b' });
  });

  it('decodes each segment after splitting, so an encoded slash cannot move segments', () => {
    // taskId "a%2Fruns" must not be read as two segments
    expect(matchPattern(task, splitRawPath('/task/a%2Fruns'))).toEqual({ taskId: 'a/runs' });
    expect(matchPattern(list, splitRawPath('/task/a%2Fb/runs/0/artifacts'))).toEqual({ taskId: 'a/b', runId: '0' });
  });

  it('requires the exact number of segments for routes without a rest parameter', () => {
    expect(matchPattern(task, splitRawPath('/task/T/status'))).toBeUndefined();
    expect(matchPattern(list, splitRawPath('/task/T/runs/0/artifacts/x'))).toBeUndefined();
    expect(matchPattern(artifact, splitRawPath('/task/T/runs/0/artifacts'))).toBeUndefined();
    expect(matchPattern(artifact, splitRawPath('/task/T/runs/0/artifacts/'))).toBeUndefined();
    expect(matchPattern(task, splitRawPath('/task/'))).toBeUndefined();
  });

  it('compares literals before decoding anything', () => {
    expect(matchPattern(list, splitRawPath('/task/T/run%73/0/artifacts'))).toBeUndefined();
    // A malformed escape in a path that does not fit the route is simply no match.
    expect(matchPattern(task, splitRawPath('/tusk/%E0%A4%A'))).toBeUndefined();
    expect(() => matchPattern(task, splitRawPath('/task/%E0%A4%A'))).toThrow(InvalidRequestArguments);
  });

  it('takes a taskQueueId with a raw or encoded slash', () => {
    const claimWork = compilePattern('/claim-work/<taskQueueId>', REST);
    expect(matchPattern(claimWork, splitRawPath('/claim-work/prov%2Fwt'))).toEqual({ taskQueueId: 'prov/wt' });
    expect(matchPattern(claimWork, splitRawPath('/claim-work/prov/wt'))).toEqual({ taskQueueId: 'prov/wt' });
  });

  it('does not let a non-rest trailing parameter swallow segments', () => {
    expect(matchPattern(compilePattern('/provisioners/<provisionerId>', REST), splitRawPath('/provisioners/a/b'))).toBeUndefined();
  });
});
