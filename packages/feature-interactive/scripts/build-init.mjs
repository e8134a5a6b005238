// Builds dist/dw-init, the static init interactive containers run as process 1
// (init/dw-init.c says why), with the host's C compiler. Run by `pnpm build`.
import { execFileSync } from 'node:child_process';
import { mkdirSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

const root = join(dirname(fileURLToPath(import.meta.url)), '..');
const output = join(root, 'dist', 'dw-init');
mkdirSync(dirname(output), { recursive: true });
const cc = process.env.CC || 'cc';
try {
  execFileSync(cc, ['-static', '-Os', '-s', '-Wall', '-Werror', '-o', output, join(root, 'init', 'dw-init.c')], { stdio: 'inherit' });
} catch (err) {
  console.error(`feature-interactive: building dist/dw-init with ${cc} -static failed (${err.message}): install gcc and libc6-dev`);
  process.exit(1);
}
