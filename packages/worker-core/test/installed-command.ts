// The `docker-worker` command as the machine set-up installs it, for tests that run it the
// way a user types it: the launcher scripts/install-command.sh writes, in a directory of the test's.

import { execFile } from 'node:child_process';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';

export const REPO = resolve(dirname(fileURLToPath(import.meta.url)), '../../..');

/** What a command printed and its exit status. */
export interface CommandResult {
  code: number;
  stdout: string;
  stderr: string;
}

/** Installs the launcher into `binDir` (created if missing); its path. */
export function installCommand(binDir: string): Promise<string> {
  return new Promise((done, fail) =>
    execFile('bash', [join(REPO, 'scripts/install-command.sh'), binDir], (err, _stdout, stderr) =>
      err ? fail(new Error(`install-command.sh failed: ${stderr}`)) : done(join(binDir, 'docker-worker')),
    ),
  );
}
