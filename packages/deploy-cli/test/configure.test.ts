import { existsSync } from 'node:fs';
import { readFile, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import prompts from 'prompts';
import { VARIABLES } from '../src/variables.js';
import { requiredSets, sandbox, type Sandbox } from './helpers.js';

let box: Sandbox;
let deployJson: string;

beforeEach(async () => {
  box = await sandbox();
  deployJson = join(box.deployDir, 'deploy.json');
});

afterEach(async () => {
  await box.remove();
});

async function stored(): Promise<Record<string, Record<string, unknown>>> {
  return JSON.parse(await readFile(deployJson, 'utf8')) as Record<string, Record<string, unknown>>;
}

describe('dw-deploy configure', () => {
  it('writes deploy/deploy.json from --set, with every other variable at its default', async () => {
    const out = await box.run(['configure', ...requiredSets(box.signingKey), '--set', 'worker.capacity=4', '--set', 'disks.layout=btrfs']);
    expect(out).toMatchObject({ code: 0, stderr: '' });
    expect(out.stdout).toContain('wrote deploy/deploy.json');
    const json = await stored();
    expect(json.worker).toMatchObject({ rootUrl: 'https://tc.example.com', capacity: 4, logLevel: 'info', allowPrivileged: false });
    expect(json.disks).toEqual({ layout: 'btrfs' });
    expect(json.docker).toEqual({ storageDriver: 'auto', logMaxSize: '50m', logMaxFiles: 3 });
    expect(json.keys).toEqual({ signingKey: box.signingKey });
  });

  it('takes --from (nested or dotted keys), keeps the existing file as defaults, and lets --set win', async () => {
    expect((await box.run(['configure', ...requiredSets(box.signingKey), '--set', 'worker.capacity=3'])).code).toBe(0);
    const from = join(box.dir, 'vars.json');
    await writeFile(from, JSON.stringify({ worker: { logLevel: 'debug' }, 'aws.region': 'eu-central-1', 'aws.copyRegions': 'eu-west-1,us-east-1' }));
    const out = await box.run(['configure', '--from', 'vars.json', '--set', 'aws.region=us-east-2']);
    expect(out.code).toBe(0);
    const json = await stored();
    expect(json.worker).toMatchObject({ capacity: 3, logLevel: 'debug', rootUrl: 'https://tc.example.com' });
    expect(json.aws).toMatchObject({ region: 'us-east-2', copyRegions: 'eu-west-1,us-east-1', sourceImage: 'ami-0123456789abcdef0' });
  });

  it('refuses bad values with one message per variable, and leaves the file as it was', async () => {
    expect((await box.run(['configure', ...requiredSets(box.signingKey)])).code).toBe(0);
    const before = await readFile(deployJson, 'utf8');
    const out = await box.run([
      'configure',
      '--set', 'worker.capacity=many',
      '--set', 'worker.workerType=Docker_Worker',
      '--set', 'docker.storageDriver=zfs',
      '--set', 'aws.region=mars',
      '--set', 'worker.capasity=2',
      '--set', 'tls.certificate=/etc/x.crt',
    ]);
    expect(out.code).toBe(1);
    expect(out.stdout).toBe('');
    expect(out.stderr).toContain('not written: 6 problems with the deploy variables:');
    expect(out.stderr).toContain('- worker.capacity must be an integer (got "many")');
    expect(out.stderr).toContain('- worker.workerType is not valid: expected something like docker-worker (got "Docker_Worker")');
    expect(out.stderr).toContain('- docker.storageDriver must be one of auto, overlay2, btrfs (got "zfs")');
    expect(out.stderr).toContain('- aws.region is not valid: expected something like us-west-2 (got "mars")');
    expect(out.stderr).toContain('- worker.capasity is not a deploy variable (did you mean worker.capacity?)');
    expect(out.stderr).toContain('- tls.key is required when tls.certificate is set');
    expect(out.stderr).toContain('deploy.json is unchanged');
    expect(await readFile(deployJson, 'utf8')).toBe(before);
  });

  it('names every required variable that has no value', async () => {
    const out = await box.run(['configure', '--set', 'worker.capacity=2']);
    expect(out.code).toBe(1);
    for (const key of ['worker.rootUrl', 'worker.provisionerId', 'worker.workerType', 'keys.signingKey', 'aws.sourceImage']) {
      expect(out.stderr).toContain(`- ${key} is required: `);
    }
    expect(existsSync(deployJson)).toBe(false);
  });

  it('rejects a malformed --set and an unreadable --from', async () => {
    const bad = await box.run(['configure', '--set', 'capacity']);
    expect(bad).toMatchObject({ code: 2 });
    expect(bad.stderr).toContain('--set capacity: expected key=value');
    const missing = await box.run(['configure', '--from', 'nope.json']);
    expect(missing.code).toBe(1);
    expect(missing.stderr).toContain('cannot read');
    await writeFile(join(box.dir, 'broken.json'), '{"worker": ');
    expect((await box.run(['configure', '--from', 'broken.json'])).stderr).toContain('broken.json is not valid JSON');
  });

  it('makes key paths absolute, so they mean the same from any folder', async () => {
    const sets = requiredSets('cot-signing-key.pem');
    expect((await box.run(['configure', ...sets])).code).toBe(0);
    expect((await stored()).keys).toEqual({ signingKey: box.signingKey });
  });

  it('does not wait for answers without a terminal', async () => {
    const out = await box.run(['configure']);
    expect(out.code).toBe(2);
    expect(out.stderr).toContain('no terminal to ask on: give the variables with --set key=value (repeatable) or --from FILE');
  });

  it('asks for every variable with the prompts library, defaults from the existing file, and asks again on "no"', async () => {
    expect((await box.run(['configure', ...requiredSets(box.signingKey), '--set', 'worker.capacity=2'])).code).toBe(0);
    const rounds: Record<string, unknown>[] = [];
    // Each call of `ask` gets scripted answers injected, then runs the real prompts flow
    // (prompts.inject takes the place of the keyboard; `format` still applies).
    const script: Record<string, unknown>[] = [{ 'worker.capacity': '8', 'aws.region': 'eu-west-1' }, { confirmed: false }, {}, { confirmed: true }];
    const ask = (async (questions: prompts.PromptObject[], options?: prompts.Options) => {
      const answers = script.shift() ?? {};
      const list = [questions].flat();
      rounds.push(Object.fromEntries(list.map((q) => [String(q.name), q.initial])));
      prompts.inject(
        list.map((q) => {
          const name = String(q.name);
          if (name in answers) return answers[name];
          const choices = q.choices as prompts.Choice[] | undefined;
          return choices ? choices[q.initial as number]!.value : q.initial;
        }),
      );
      return prompts(questions, options);
    }) as typeof prompts;
    const out = await box.run(['configure'], { interactive: true, ask });
    expect(out.stderr).toBe('');
    expect(out.code).toBe(0);
    expect(rounds).toHaveLength(4);
    // Round one's defaults come from the existing file; round two's from round one's answers.
    expect(rounds[0]).toMatchObject({ 'worker.capacity': '2', 'worker.rootUrl': 'https://tc.example.com', 'worker.allowPrivileged': false });
    expect(rounds[2]).toMatchObject({ 'worker.capacity': '8' });
    expect(Object.keys(rounds[0]!)).toHaveLength(VARIABLES.length);
    expect(out.stdout).toContain('  worker.capacity = 8');
    const json = await stored();
    expect(json.worker).toMatchObject({ capacity: 8, rootUrl: 'https://tc.example.com' });
    expect(json.aws).toMatchObject({ region: 'eu-west-1' });
  });

  it('validates each answer as it is typed, and writes nothing when the prompts stop', async () => {
    const questions: prompts.PromptObject[] = [];
    const ask = (async (q: prompts.PromptObject[]) => {
      questions.push(...q);
      throw new Error('terminal closed');
    }) as unknown as typeof prompts;
    const out = await box.run(['configure'], { interactive: true, ask });
    expect(out.code).toBe(1);
    expect(existsSync(deployJson)).toBe(false);
    const byName = new Map(questions.map((q) => [String(q.name), q]));
    const validate = byName.get('worker.capacity')!.validate as (value: string) => true | string;
    expect(validate('4')).toBe(true);
    expect(validate('zero')).toBe('worker.capacity must be an integer (got "zero")');
    expect(validate('0')).toBe('worker.capacity must be at least 1 (got 0)');
    expect((byName.get('aws.sourceImage')!.validate as (v: string) => true | string)('ami-1')).toMatch(/^aws.sourceImage is not valid/);
    expect(byName.get('disks.layout')).toMatchObject({ type: 'select', initial: 0 });
    expect(byName.get('worker.allowPrivileged')).toMatchObject({ type: 'toggle', initial: false });
  });

  it('stops without writing when the prompts are cancelled', async () => {
    const ask = (async (questions: prompts.PromptObject[], options?: prompts.Options) => {
      prompts.inject([new Error('cancelled')]);
      return prompts(questions, options);
    }) as typeof prompts;
    const out = await box.run(['configure'], { interactive: true, ask });
    expect(out.code).toBe(130);
    expect(out.stderr).toContain('configure cancelled');
    expect(existsSync(deployJson)).toBe(false);
  });
});
