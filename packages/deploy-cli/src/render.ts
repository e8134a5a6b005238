/**
 * `dw-deploy render`: `deploy/template/**` → `deploy/target/**` with the deploy variables, file
 * modes kept; the keys the base image carries are staged in `target/keys/`, and `target/app/`
 * is made for the tarballs of an app build.
 */
import { existsSync } from 'node:fs';
import { chmod, copyFile, lstat, mkdir, readdir, readFile, rm, writeFile } from 'node:fs/promises';
import { dirname, join, relative, resolve } from 'node:path';
import type { Values } from './deploy-config.js';
import { DeployError } from './errors.js';
import type { DeployPaths } from './paths.js';
import { renderText } from './template.js';

export interface RenderedFile {
  /** Path below the template directory (and below the target directory). */
  path: string;
  mode: number;
  text: string;
}

/** Every file under `dir`, sorted, as paths relative to it. */
async function listFiles(dir: string, base = dir): Promise<string[]> {
  const out: string[] = [];
  const entries = (await readdir(dir, { withFileTypes: true })).sort((a, b) => a.name.localeCompare(b.name));
  for (const entry of entries) {
    const path = join(dir, entry.name);
    if (entry.isDirectory()) out.push(...(await listFiles(path, base)));
    else if (entry.isFile()) out.push(relative(base, path));
    else throw new DeployError(`${path}: templates must be regular files (not a symlink or device)`);
  }
  return out;
}

/** Renders the whole template tree in memory; throws, naming each file and variable, if any is missing. */
export async function renderTemplates(templateDir: string, values: Values): Promise<RenderedFile[]> {
  const files: RenderedFile[] = [];
  const problems: string[] = [];
  for (const path of await listFiles(templateDir)) {
    const source = join(templateDir, path);
    const [text, stat] = await Promise.all([readFile(source, 'utf8'), lstat(source)]);
    const result = renderText(text, values, relative(join(templateDir, '..'), source));
    problems.push(...result.problems);
    files.push({ path, mode: stat.mode & 0o7777, text: result.text });
  }
  if (problems.length > 0) {
    throw new DeployError(`cannot render ${templateDir}, ${problems.length} problem(s):\n${problems.map((p) => `  - ${p}`).join('\n')}`);
  }
  return files;
}

/** Where staged keys are installed on the image (the base packer template's install-keys.sh). */
export const KEY_FILES = [
  { variable: 'keys.signingKey', name: 'cot-signing-key.key', mode: 0o600, installedAt: '/etc/docker-worker/cot-signing-key.key' },
  { variable: 'tls.certificate', name: 'tls.crt', mode: 0o644, installedAt: '/etc/docker-worker/tls.crt' },
  { variable: 'tls.key', name: 'tls.key', mode: 0o600, installedAt: '/etc/docker-worker/tls.key' },
] as const;

/** A key file's path: relative paths are relative to the folder of deploy.json. */
export function keyPath(values: Values, variable: string, configFile: string): string | undefined {
  const path = String(values[variable] ?? '');
  return path ? resolve(dirname(configFile), path) : undefined;
}

/** Checks that every configured key file exists (before anything is written). */
export function checkKeyFiles(values: Values, configFile: string): void {
  const problems: string[] = [];
  for (const key of KEY_FILES) {
    const path = keyPath(values, key.variable, configFile);
    if (path && !existsSync(path)) problems.push(`${key.variable}: ${path} does not exist`);
  }
  if (problems.length > 0) throw new DeployError(`missing key files:\n${problems.map((p) => `  - ${p}`).join('\n')}`);
}

export interface RenderOutcome {
  files: RenderedFile[];
  keys: string[];
}

/** Renders into a fresh target directory and stages the keys. */
export async function renderTarget(paths: DeployPaths, values: Values): Promise<RenderOutcome> {
  const files = await renderTemplates(paths.templateDir, values);
  checkKeyFiles(values, paths.config);
  // Start from nothing: a template removed since the last render must not linger in the image.
  await rm(paths.targetDir, { recursive: true, force: true });
  for (const file of files) {
    const target = join(paths.targetDir, file.path);
    await mkdir(join(target, '..'), { recursive: true });
    await writeFile(target, file.text);
    await chmod(target, file.mode);
  }
  const keysDir = join(paths.targetDir, 'keys');
  await mkdir(keysDir, { recursive: true, mode: 0o700 });
  await chmod(keysDir, 0o700);
  const keys: string[] = [];
  for (const key of KEY_FILES) {
    const source = keyPath(values, key.variable, paths.config);
    if (!source) continue;
    const target = join(keysDir, key.name);
    await copyFile(source, target);
    await chmod(target, key.mode);
    keys.push(target);
  }
  await mkdir(join(paths.targetDir, 'app'), { recursive: true });
  return { files, keys };
}
