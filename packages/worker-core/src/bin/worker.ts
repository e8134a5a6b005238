#!/usr/bin/env node
/**
 * The `worker` bin. Before loading anything else it sets two V8 flags (each only when the one
 * starting it chose none of the kind, on the command line or in NODE_OPTIONS). The first keeps
 * V8's young generation at its initial size (1 MB semi-spaces) instead of letting it grow to 16 MB × 2 under the allocation
 * rate of streaming a log or an artifact: the worker's short-lived buffers then die in small,
 * frequent scavenges. Measured (docs/benchmarks.md): 30-40 MB off the worker's peak RSS, no
 * loss of speed.
 *
 * Set here, at run time, because the worker is started as `node .../worker.js` (systemd,
 * `pnpm worker`), where no shebang flag applies, and `--max-semi-space-size` is only read when
 * the heap is created. V8 reads `--semi-space-growth-factor` whenever the young generation
 * would grow, so setting it to 1 works from here, but only before the CLI's modules are loaded:
 * parsing them alone grows it to 8 MB × 2. Hence the dynamic import below.
 */
import { setFlagsFromString } from 'node:v8';

const given = [...process.execArgv, process.env.NODE_OPTIONS ?? ''];
const chosen = (flag: RegExp) => given.some((arg) => flag.test(arg));
if (!chosen(/semi-space/)) setFlagsFromString('--semi-space-growth-factor=1');

/*
 * The second, for the daemon only (`start`, the command's first argument: the CLI has no options before it):
 * a fixed old-generation growing factor of 2. Left to V8, a long-running worker could settle on
 * an old-generation limit only about 9 MB above its 20 MB of live objects; in most daemons
 * measured (5 of 7) a 1 GiB artifact then went through about 180 mark-compacts, one every 6 MB,
 * 11-14 s of CPU and 11-14 s of wall time, against 3.2-4.8 s and 5.9-8.5 s with this (5 of 5
 * daemons, 2 uploads each, the same peak RSS, 115-121 MB). Not for `worker run`: a fresh process
 * gets a roomier factor from V8 than this fixed one (its upload was 1.22x slower with it).
 */
if (process.argv[2] === 'start' && !chosen(/heap-growing-percent/)) setFlagsFromString('--heap-growing-percent=100');

await import('./cli.js');
