/**
 * `dw-deploy build base|app` and `dw-deploy validate`: render, pack, and run packer on the
 * templates in `deploy/packer/` with the rendered var files of `deploy/target/packer/`.
 */
import { readdir } from 'node:fs/promises';
import { dirname, join, relative } from 'node:path';
import { baseImageFor, imagesFromManifest, readBaseImageRecord, writeBaseImageRecord } from './base-image.js';
import { loadDeployConfig, type Values } from './deploy-config.js';
import { DeployError } from './errors.js';
import { PACK_ROOT, WORKER_PACKAGE, packWorker, pnpmDeployCommand, tarCommand } from './pack.js';
import type { DeployPaths } from './paths.js';
import { PACKER_HINT, findExecutable, requirePacker, run, runChecked, shellLine, type Output } from './process.js';
import { renderTarget } from './render.js';

export type ImageKind = 'base' | 'app';
export const IMAGE_KINDS: readonly ImageKind[] = ['base', 'app'];

export interface BuildContext {
  paths: DeployPaths;
  env: NodeJS.ProcessEnv;
  output: Output;
}

/** Everything one packer run needs. */
export interface PackerPlan {
  kind: ImageKind;
  template: string;
  varFile: string;
  /** Passed as `-var key=value`, after the var file. */
  vars: Record<string, string>;
  manifest: string;
}

export function appDir(paths: DeployPaths): string {
  return join(paths.targetDir, 'app');
}

export function packerPlan(kind: ImageKind, paths: DeployPaths, vars: { revision: string; sourceImage?: string }): PackerPlan {
  const manifest = join(paths.targetDir, `${kind}-manifest.json`);
  const common = { workerRevision: vars.revision, manifestPath: manifest };
  return {
    kind,
    template: join(paths.packerDir, `${kind}.json`),
    varFile: join(paths.targetDir, 'packer', `${kind}.vars.json`),
    vars:
      kind === 'base'
        ? { ...common, keysDir: join(paths.targetDir, 'keys') }
        : { ...common, appDir: appDir(paths), sourceImage: vars.sourceImage ?? '' },
    manifest,
  };
}

export function packerCommand(verb: 'build' | 'validate', plan: PackerPlan): string[] {
  const vars = Object.entries(plan.vars).flatMap(([key, value]) => ['-var', `${key}=${value}`]);
  return ['packer', verb, ...(verb === 'build' ? ['-color=false'] : []), `-var-file=${plan.varFile}`, ...vars, plan.template];
}

/** `git rev-parse HEAD` of the repository, `-dirty` when it has uncommitted changes. */
export async function workerRevision(ctx: BuildContext): Promise<string> {
  if (!findExecutable('git', ctx.env)) return 'unknown';
  const quiet: Output = { stdout: () => {}, stderr: () => {} };
  const head = await run(['git', 'rev-parse', 'HEAD'], { cwd: ctx.paths.repoDir, env: ctx.env, output: quiet, capture: true }).catch(() => undefined);
  if (!head || head.code !== 0) return 'unknown';
  const status = await run(['git', 'status', '--porcelain'], { cwd: ctx.paths.repoDir, env: ctx.env, output: quiet, capture: true });
  return `${head.stdout.trim()}${status.stdout.trim() ? '-dirty' : ''}`;
}

async function countFiles(dir: string): Promise<number> {
  const entries = await readdir(dir, { recursive: true, withFileTypes: true });
  return entries.filter((e) => e.isFile()).length;
}

export interface BuildOptions {
  dryRun?: boolean;
  /** App builds: the base image to start from instead of the recorded one. */
  sourceImage?: string;
  /** The package packed for the image (the worker). */
  packageName?: string;
}

export async function build(kind: ImageKind, ctx: BuildContext, options: BuildOptions = {}): Promise<void> {
  const { paths, output } = ctx;
  if (kind === 'base' && options.sourceImage) {
    throw new DeployError('--source-image applies to build app; the base build starts from aws.sourceImage', 2);
  }
  // Checked first, and for real: the original's check never fired.
  const packer = options.dryRun ? findExecutable('packer', ctx.env) : requirePacker(ctx.env);
  const values = await loadDeployConfig(paths.config);
  const region = String(values['aws.region']);
  const sourceImage = kind === 'app' ? await baseImageFor(region, paths.baseImageRecord, options.sourceImage) : undefined;
  const revision = await workerRevision(ctx);
  const rendered = await renderTarget(paths, values);
  const plan = packerPlan(kind, paths, { revision, sourceImage });
  const command = packerCommand('build', plan);
  const rel = (path: string) => relative(dirname(paths.deployDir), path) || '.';
  const workerTarball = join(appDir(paths), `${PACK_ROOT}.tgz`);
  const rootTarball = join(appDir(paths), 'root.tgz');
  const packageName = options.packageName ?? WORKER_PACKAGE;

  if (options.dryRun) {
    output.stdout(`dw-deploy build ${kind} --dry-run: rendered ${rel(paths.targetDir)} (${rendered.files.length} files); nothing packed, nothing built.`);
    output.stdout('files:');
    output.stdout(`  ${plan.template}  packer template`);
    output.stdout(`  ${plan.varFile}  packer variables, rendered from ${rel(join(paths.templateDir, 'packer', `${kind}.vars.json`))}`);
    if (kind === 'base') {
      output.stdout(`  ${plan.vars.keysDir}/  keys installed in /etc/docker-worker: ${rendered.keys.map((k) => relative(plan.vars.keysDir!, k)).join(', ') || 'none'}`);
    } else {
      const record = options.sourceImage ? 'given with --source-image' : `recorded in ${rel(paths.baseImageRecord)}`;
      output.stdout(`  ${join(paths.targetDir, 'root')}/  installed at / on the image (${await countFiles(join(paths.targetDir, 'root'))} files)`);
      output.stdout(`  ${rootTarball}  would be: ${shellLine(tarCommand(join(paths.targetDir, 'root'), rootTarball))}`);
      output.stdout(`  ${workerTarball}  would be: ${shellLine(pnpmDeployCommand(packageName, `<tmp>/${PACK_ROOT}`))} in a copy of the workspace, then tarred`);
      output.stdout(`  base image: ${sourceImage} (${record})`);
    }
    output.stdout(`  ${plan.manifest}  packer's manifest of the build`);
    output.stdout(`command (run in ${paths.deployDir}):`);
    output.stdout(`  ${shellLine(command)}`);
    if (!packer) output.stderr(`note: ${PACKER_HINT}`);
    return;
  }

  if (kind === 'app') {
    output.stdout(`packing ${packageName} into ${rel(workerTarball)}`);
    await packWorker({ repoDir: paths.repoDir, out: workerTarball, packageName, env: ctx.env, output });
    await runChecked(tarCommand(join(paths.targetDir, 'root'), rootTarball), { cwd: paths.repoDir, env: ctx.env, output });
  }
  output.stdout(`running: ${shellLine(command)}`);
  const { code } = await run([packer!, ...command.slice(1)], { cwd: paths.deployDir, env: ctx.env, output });
  if (code !== 0) throw new DeployError(`packer build ${kind} failed with exit status ${code}`);

  const { images, packerRunUuid } = await imagesFromManifest(plan.manifest);
  const list = Object.entries(images).map(([r, id]) => `${r}: ${id}`).join(', ');
  if (kind === 'base') {
    await writeBaseImageRecord(paths.baseImageRecord, { images, revision, builtAt: new Date().toISOString(), packerRunUuid });
    output.stdout(`base image built (${list}); recorded in ${rel(paths.baseImageRecord)} for the next \`dw-deploy build app\``);
  } else {
    output.stdout(`app image built (${list}): point the worker pool's launch configuration at it`);
  }
}

/** `packer validate` of both templates with the rendered variables. */
export async function validate(ctx: BuildContext): Promise<void> {
  const { paths, output } = ctx;
  const packer = requirePacker(ctx.env);
  const values: Values = await loadDeployConfig(paths.config);
  await renderTarget(paths, values);
  const region = String(values['aws.region']);
  const recorded = (await readBaseImageRecord(paths.baseImageRecord))?.images[region];
  const failed: string[] = [];
  for (const kind of IMAGE_KINDS) {
    // Without a recorded base image the app template is checked with the OS image: only its form matters here.
    const plan = packerPlan(kind, paths, { revision: 'validate', sourceImage: recorded ?? String(values['aws.sourceImage']) });
    const command = packerCommand('validate', plan);
    output.stdout(`$ ${shellLine(command)}`);
    const { code } = await run([packer, ...command.slice(1)], { cwd: paths.deployDir, env: ctx.env, output });
    if (code === 0) output.stdout(`${kind}: packer validate passed`);
    else failed.push(kind);
  }
  if (failed.length > 0) throw new DeployError(`packer validate failed for: ${failed.join(', ')}`);
}
