/** The `dw-deploy` command. */
import { Argument, Command, CommanderError, Option } from 'commander';
import { join, resolve } from 'node:path';
import { appDir, build, IMAGE_KINDS, validate, type ImageKind } from './build.js';
import { configure, type Ask } from './configure.js';
import { loadDeployConfig } from './deploy-config.js';
import { DeployError } from './errors.js';
import { PACK_ROOT, WORKER_PACKAGE, packWorker } from './pack.js';
import { resolvePaths, type DeployPaths } from './paths.js';
import type { Output } from './process.js';
import { renderTarget } from './render.js';
import { VARIABLES } from './variables.js';

export interface CliContext extends Output {
  cwd: string;
  env: NodeJS.ProcessEnv;
  /** Whether prompts can be shown (stdin is a terminal). */
  interactive: boolean;
  /** Prompt implementation (default: the prompts library). */
  ask?: Ask;
}

export function processContext(): CliContext {
  return {
    cwd: process.cwd(),
    env: process.env,
    interactive: process.stdin.isTTY === true,
    stdout: (text) => process.stdout.write(`${text}\n`),
    stderr: (text) => process.stderr.write(`${text}\n`),
  };
}

interface GlobalOptions {
  deployDir?: string;
  repoDir?: string;
  config?: string;
}

const collect = (value: string, previous: string[]) => [...previous, value];

function program(ctx: CliContext): Command {
  const root = new Command()
    .name('dw-deploy')
    .description('Machine images for a docker-worker fleet: configure the deploy variables, render the templates, build with packer')
    .option('--deploy-dir <dir>', 'the deploy folder (template/, packer/, deploy.json, target/); default: the nearest deploy/ from the current folder')
    .option('--repo-dir <dir>', 'the repository the worker is packed from (default: the parent of the deploy folder)')
    .option('--config <file>', 'the deploy variables file (default: <deploy-dir>/deploy.json)')
    .exitOverride()
    .configureOutput({ writeOut: (text) => ctx.stdout(text.replace(/\n$/, '')), writeErr: (text) => ctx.stderr(text.replace(/\n$/, '')) })
    .showHelpAfterError();

  const paths = (): DeployPaths => resolvePaths(ctx.cwd, root.opts<GlobalOptions>());

  root
    .command('configure')
    .description('ask for every deploy variable (or take them from --set / --from) and write deploy.json')
    .option('--set <key=value>', 'set one variable, e.g. --set worker.capacity=4 (repeatable; no prompts)', collect, [])
    .option('--from <file>', 'take variables from a JSON file (nested or dotted keys; no prompts)')
    .action(async (options: { set: string[]; from?: string }) => {
      const p = paths();
      await configure({ configFile: p.config, cwd: ctx.cwd, sets: options.set, from: options.from, interactive: ctx.interactive, output: ctx, ask: ctx.ask });
    });

  root
    .command('variables')
    .description('list the deploy variables, their defaults and what they mean')
    .action(() => {
      for (const v of VARIABLES) {
        const allowed = v.schema.type === 'string' && v.schema.enum ? ` (${v.schema.enum.join('|')})` : ` (${v.schema.type})`;
        const fallback = v.default === undefined ? 'required' : `default ${JSON.stringify(v.default)}`;
        ctx.stdout(`${v.key}${allowed}, ${fallback}\n    ${v.description}`);
      }
    });

  root
    .command('render')
    .description('render deploy/template/** into deploy/target/** with the deploy variables (file modes kept) and stage the keys')
    .action(async () => {
      const p = paths();
      const values = await loadDeployConfig(p.config);
      const { files, keys } = await renderTarget(p, values);
      ctx.stdout(`rendered ${files.length} files into ${p.targetDir}; staged ${keys.length} key file(s) in ${join(p.targetDir, 'keys')}`);
    });

  root
    .command('validate')
    .description('render, then `packer validate` the base and app templates')
    .action(async () => {
      await validate({ paths: paths(), env: ctx.env, output: ctx });
    });

  root
    .command('build')
    .description('build the base image (OS, Docker, Node, kernel modules, keys) or the app image (the worker on the last base image)')
    .addArgument(new Argument('<kind>', 'base or app').choices(IMAGE_KINDS))
    .option('--dry-run', 'render, then print the packer command and the files it uses; pack and build nothing')
    .option('--source-image <ami>', 'app: the base image to start from (default: the one the last base build recorded)')
    .addOption(new Option('--package <name>', 'the workspace package packed for the image').default(WORKER_PACKAGE).hideHelp())
    .action(async (kind: ImageKind, options: { dryRun?: boolean; sourceImage?: string; package: string }) => {
      await build(kind, { paths: paths(), env: ctx.env, output: ctx }, { dryRun: options.dryRun, sourceImage: options.sourceImage, packageName: options.package });
    });

  root
    .command('pack')
    .description(`pack the worker as an app build does: a tarball with ${PACK_ROOT}/ (built dist and production node_modules)`)
    .option('--out <file>', 'where to write it (default: <deploy-dir>/target/app/docker-worker.tgz)')
    .option('--package <name>', 'the workspace package to pack', WORKER_PACKAGE)
    .action(async (options: { out?: string; package: string }) => {
      const p = paths();
      const out = options.out ? resolve(ctx.cwd, options.out) : join(appDir(p), `${PACK_ROOT}.tgz`);
      await packWorker({ repoDir: p.repoDir, out, packageName: options.package, env: ctx.env, output: ctx });
      ctx.stdout(`packed ${options.package} into ${out}`);
    });

  return root;
}

/** Runs `dw-deploy` with `args` (without node and the script); returns the exit status. */
export async function runCli(args: readonly string[], ctx: CliContext = processContext()): Promise<number> {
  const cli = program(ctx);
  if (args.length === 0) {
    cli.outputHelp();
    return 2;
  }
  try {
    await cli.parseAsync([...args], { from: 'user' });
    return 0;
  } catch (err) {
    if (err instanceof CommanderError) {
      // --help and --version end through here too, with exit code 0.
      return err.exitCode === 0 ? 0 : 2;
    }
    if (err instanceof DeployError) {
      ctx.stderr(`dw-deploy: ${err.message}`);
      return err.exitCode;
    }
    ctx.stderr(`dw-deploy: ${(err as Error).stack ?? String(err)}`);
    return 1;
  }
}
