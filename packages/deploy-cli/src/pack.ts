/**
 * Packing the worker for an image: `pnpm deploy --prod` of the worker package gives a folder
 * with its built `dist/`, the workspace packages it uses and their production dependencies,
 * exactly as locked; it is tarred as `docker-worker/`. The image needs no pnpm, no build and no
 * registry access to run it. (`npm pack` of one package cannot carry the unpublished workspace
 * packages it depends on.)
 *
 * `pnpm deploy --prod` records a production-only install in the workspace it runs in, and the
 * next `pnpm` command there then removes the devDependencies (the compiler, jest...). So it
 * runs in a copy of the workspace (its manifests, lockfile and packages without node_modules),
 * never in the developer's tree.
 */
import { existsSync } from 'node:fs';
import { cp, mkdir, mkdtemp, readdir, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { basename, dirname, join } from 'node:path';
import { DeployError } from './errors.js';
import { requireExecutable, runChecked, type Output } from './process.js';

/** The package that holds the `worker` bin. */
export const WORKER_PACKAGE = '@docker-worker/worker-core';
/** Name of the folder inside the tarball (installed as /opt/docker-worker). */
export const PACK_ROOT = 'docker-worker';

export interface PackOptions {
  repoDir: string;
  out: string;
  packageName?: string;
  env: NodeJS.ProcessEnv;
  output: Output;
}

/** The `pnpm deploy` command that stages the package in `dir`. */
export function pnpmDeployCommand(packageName: string, dir: string): string[] {
  return ['pnpm', '--filter', packageName, 'deploy', '--prod', '--legacy', dir];
}

export function tarCommand(from: string, out: string, what = '.'): string[] {
  return ['tar', '-C', from, '--owner=0', '--group=0', '--numeric-owner', '-czf', out, what];
}

/** Folders never copied into the staging workspace. */
const SKIPPED = new Set(['node_modules', '.turbo', 'coverage', '.git']);

/** A copy of the workspace for `pnpm deploy`: root files, and packages/ without installs. */
export async function copyWorkspace(repoDir: string, into: string): Promise<void> {
  if (!existsSync(join(repoDir, 'pnpm-workspace.yaml'))) {
    throw new DeployError(`${repoDir} is not a pnpm workspace (no pnpm-workspace.yaml): pass --repo-dir`);
  }
  await mkdir(into, { recursive: true });
  for (const entry of await readdir(repoDir, { withFileTypes: true })) {
    if (entry.isFile()) await cp(join(repoDir, entry.name), join(into, entry.name));
  }
  await cp(join(repoDir, 'packages'), join(into, 'packages'), {
    recursive: true,
    verbatimSymlinks: true,
    filter: (source) => !SKIPPED.has(basename(source)),
  });
}

export async function packWorker(options: PackOptions): Promise<string> {
  const packageName = options.packageName ?? WORKER_PACKAGE;
  requireExecutable('pnpm', options.env, 'pnpm is not installed (no "pnpm" on PATH): `npm install -g pnpm@12.4.2`, then `pnpm install` in the repository');
  requireExecutable('tar', options.env, 'tar is not installed (no "tar" on PATH)');
  const staging = await mkdtemp(join(tmpdir(), 'dw-deploy-pack-'));
  try {
    const workspace = join(staging, 'workspace');
    await copyWorkspace(options.repoDir, workspace);
    const out = join(staging, 'out');
    const dir = join(out, PACK_ROOT);
    await runChecked(pnpmDeployCommand(packageName, dir), { cwd: workspace, env: options.env, output: options.output });
    const manifest = JSON.parse(await readFile(join(dir, 'package.json'), 'utf8')) as { bin?: string | Record<string, string> };
    const bins = typeof manifest.bin === 'string' ? [manifest.bin] : Object.values(manifest.bin ?? {});
    const missing = bins.filter((bin) => !existsSync(join(dir, bin)));
    if (missing.length > 0) {
      throw new DeployError(`${packageName} is not built (${missing.join(', ')} missing): run \`pnpm build\` in ${options.repoDir} first`);
    }
    await mkdir(dirname(options.out), { recursive: true });
    await runChecked(tarCommand(out, options.out, PACK_ROOT), { cwd: options.repoDir, env: options.env, output: options.output });
    return options.out;
  } finally {
    await rm(staging, { recursive: true, force: true });
  }
}
