#!/usr/bin/env node
/**
 * The `worker` bin. Before loading anything else, it keeps V8's young generation at its
 * initial size (1 MB semi-spaces) instead of letting it grow to 16 MB × 2 under the allocation
 * rate of streaming a log or an artifact: the worker's short-lived buffers then die in small,
 * frequent scavenges. Measured (docs/benchmarks.md): 30-40 MB off the worker's peak RSS, no
 * loss of speed.
 *
 * Set here, at run time, because the worker is started as `node .../worker.js` (systemd,
 * `pnpm worker`), where no shebang flag applies, and `--max-semi-space-size` is only read when
 * the heap is created. V8 reads `--semi-space-growth-factor` whenever the young generation
 * would grow, so setting it to 1 works from here, but only before the CLI's modules are loaded:
 * parsing them alone grows it to 8 MB × 2. Hence the dynamic import below. Someone choosing a
 * young-generation size with Node's own flags (command line or NODE_OPTIONS) keeps theirs.
 */
import { setFlagsFromString } from 'node:v8';

const chosen = [...process.execArgv, process.env.NODE_OPTIONS ?? ''].some((arg) => /semi-space/.test(arg));
if (!chosen) setFlagsFromString('--semi-space-growth-factor=1');

await import('./cli.js');
