import { PassThrough } from 'node:stream';
import { WorkerRunnerProtocol } from './worker-runner-protocol.js';

function setup() {
  const input = new PassThrough();
  const output = new PassThrough();
  const sent: unknown[] = [];
  output.on('data', (chunk: Buffer) => {
    for (const line of chunk.toString().split('\n').filter(Boolean)) {
      expect(line.startsWith('~')).toBe(true);
      sent.push(JSON.parse(line.slice(1)));
    }
  });
  const protocol = new WorkerRunnerProtocol(input, output);
  const say = (message: unknown) => input.write(`~${JSON.stringify(message)}\n`);
  return { protocol, say, sent, input };
}

const tick = () => new Promise((r) => setTimeout(r, 10));

describe('WorkerRunnerProtocol', () => {
  it('answers welcome with hello and keeps only shared capabilities', async () => {
    const { protocol, say, sent } = setup();
    say({ type: 'welcome', capabilities: ['graceful-termination', 'shutdown', 'something-new'] });
    await protocol.initialized();
    await tick();
    expect(sent).toEqual([{ type: 'hello', capabilities: ['graceful-termination', 'new-credentials', 'shutdown', 'error-report'] }]);
    expect(protocol.has('graceful-termination')).toBe(true);
    expect(protocol.has('new-credentials')).toBe(false);
    protocol.errorReport('k', 't', 'd');
    protocol.shutdown();
    await tick();
    expect(sent[1]).toEqual({ type: 'shutdown' });
    expect(sent).toHaveLength(2);
  });

  it('delivers graceful-termination and new-credentials when negotiated', async () => {
    const { protocol, say } = setup();
    const terminations: boolean[] = [];
    const credentials: unknown[] = [];
    protocol.on('graceful-termination', (finish) => terminations.push(finish));
    protocol.on('new-credentials', (c) => credentials.push(c));
    say({ type: 'graceful-termination', 'finish-tasks': true });
    say({ type: 'welcome', capabilities: ['graceful-termination', 'new-credentials'] });
    say({ type: 'graceful-termination', 'finish-tasks': false });
    say({ type: 'new-credentials', 'client-id': 'c', 'access-token': 'a', certificate: '{}' });
    await tick();
    // The message before the welcome was not in force yet.
    expect(terminations).toEqual([false]);
    expect(credentials).toEqual([{ clientId: 'c', accessToken: 'a', certificate: '{}' }]);
  });

  it('ignores ordinary lines and reports broken ones', async () => {
    const { protocol, input } = setup();
    const errors: Error[] = [];
    protocol.on('error', (e) => errors.push(e));
    input.write('plain text\n~{not json\n');
    await tick();
    expect(errors).toHaveLength(1);
    expect(errors[0]!.message).toMatch(/not JSON/);
  });
});
