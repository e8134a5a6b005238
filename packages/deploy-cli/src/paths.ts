import { existsSync, statSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';
import { DeployError } from './errors.js';

/** Where dw-deploy reads templates and writes its results. */
export interface DeployPaths {
  /** `deploy/`: holds template/, packer/, deploy.json, target/ and base-image.json. */
  deployDir: string;
  /** The repository the worker is packed from (the parent of deployDir by default). */
  repoDir: string;
  /** The deploy variables (`deploy/deploy.json`). */
  config: string;
  /** Template tree rendered into target. */
  templateDir: string;
  /** Rendered tree, staged keys, and the tarballs of an app build. */
  targetDir: string;
  /** Packer templates (static; variables come from the rendered var files). */
  packerDir: string;
  /** The image id of the last base build, per region: read by the next app build. */
  baseImageRecord: string;
}

export interface PathOptions {
  deployDir?: string;
  repoDir?: string;
  config?: string;
}

function isDirectory(path: string): boolean {
  return existsSync(path) && statSync(path).isDirectory();
}

/** The nearest `deploy/` folder with a `template/` inside, from `cwd` upwards. */
export function findDeployDir(cwd: string): string | undefined {
  let dir = resolve(cwd);
  for (;;) {
    if (isDirectory(join(dir, 'template')) && isDirectory(join(dir, 'packer'))) return dir;
    if (isDirectory(join(dir, 'deploy', 'template'))) return join(dir, 'deploy');
    const parent = dirname(dir);
    if (parent === dir) return undefined;
    dir = parent;
  }
}

export function resolvePaths(cwd: string, options: PathOptions): DeployPaths {
  const deployDir = options.deployDir ? resolve(cwd, options.deployDir) : findDeployDir(cwd);
  if (!deployDir) {
    throw new DeployError(
      `cannot find the deploy folder (a deploy/template directory) from ${cwd} upwards: run dw-deploy inside the repository, or pass --deploy-dir`,
    );
  }
  if (!isDirectory(join(deployDir, 'template'))) {
    throw new DeployError(`${deployDir} has no template/ directory: is --deploy-dir the repository's deploy/ folder?`);
  }
  return {
    deployDir,
    repoDir: options.repoDir ? resolve(cwd, options.repoDir) : dirname(deployDir),
    config: options.config ? resolve(cwd, options.config) : join(deployDir, 'deploy.json'),
    templateDir: join(deployDir, 'template'),
    targetDir: join(deployDir, 'target'),
    packerDir: join(deployDir, 'packer'),
    baseImageRecord: join(deployDir, 'base-image.json'),
  };
}
