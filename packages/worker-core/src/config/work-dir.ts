import { constants } from 'node:fs';
import { access, mkdir } from 'node:fs/promises';
import { ConfigError } from './config-error.js';

/**
 * Make `workDir` and check the worker can use it, before it claims anything: a workDir that is
 * a file, or not writable, was only found when the first claimed task wrote its log there.
 */
export async function prepareWorkDir(workDir: string): Promise<void> {
  try {
    await mkdir(workDir, { recursive: true });
    await access(workDir, constants.W_OK | constants.X_OK);
  } catch (err) {
    const { code, message } = err as NodeJS.ErrnoException;
    const why = code === 'EEXIST' || code === 'ENOTDIR' ? 'it (or a directory above it) is a file, not a directory' : message;
    throw new ConfigError(`workDir ${workDir} cannot be used: ${why}`);
  }
}
