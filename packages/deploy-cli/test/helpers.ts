import { execFileSync } from 'node:child_process';
import { cp, mkdir, mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { runCli, type CliContext } from '../src/cli.js';

/** The repository root (packages/deploy-cli/test → ../../..). */
export const REPO = resolve(dirname(fileURLToPath(import.meta.url)), '..', '..', '..');
export const DEPLOY = join(REPO, 'deploy');

export interface Captured {
  code: number;
  stdout: string;
  stderr: string;
}

/** A scratch folder with a copy of the repository's deploy/template and deploy/packer. */
export interface Sandbox {
  dir: string;
  deployDir: string;
  /** A real ed25519 key made for the test. */
  signingKey: string;
  run(args: string[], overrides?: Partial<CliContext>): Promise<Captured>;
  remove(): Promise<void>;
}

export async function sandbox(): Promise<Sandbox> {
  const dir = await mkdtemp(join(tmpdir(), 'dw-deploy-test-'));
  const deployDir = join(dir, 'deploy');
  await mkdir(deployDir);
  await cp(join(DEPLOY, 'template'), join(deployDir, 'template'), { recursive: true });
  await cp(join(DEPLOY, 'packer'), join(deployDir, 'packer'), { recursive: true });
  const signingKey = join(dir, 'cot-signing-key.pem');
  execFileSync('openssl', ['genpkey', '-algorithm', 'ed25519', '-out', signingKey]);
  return {
    dir,
    deployDir,
    signingKey,
    run: (args, overrides = {}) => runIn(dir, args, overrides),
    remove: () => rm(dir, { recursive: true, force: true }),
  };
}

/** Runs dw-deploy in-process from `cwd`, with its output captured. */
export async function runIn(cwd: string, args: string[], overrides: Partial<CliContext> = {}): Promise<Captured> {
  let stdout = '';
  let stderr = '';
  const ctx: CliContext = {
    cwd,
    env: { ...process.env },
    interactive: false,
    stdout: (text) => (stdout += `${text}\n`),
    stderr: (text) => (stderr += `${text}\n`),
    ...overrides,
  };
  const code = await runCli(args, ctx);
  return { code, stdout, stderr };
}

/** The variables every test configures the same way. */
export function requiredSets(signingKey: string): string[] {
  return [
    'worker.rootUrl=https://tc.example.com',
    'worker.provisionerId=proj-example',
    'worker.workerType=docker-worker',
    `keys.signingKey=${signingKey}`,
    'aws.sourceImage=ami-0123456789abcdef0',
  ].flatMap((pair) => ['--set', pair]);
}

/** An executable script at `path`. */
export async function script(path: string, text: string): Promise<string> {
  await mkdir(dirname(path), { recursive: true });
  await writeFile(path, text, { mode: 0o755 });
  return path;
}
