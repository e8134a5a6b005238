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
 * The second, for `start` and `run` (the command's first argument: the CLI has no options
 * before it): a fixed old-generation growing factor. V8 counts the Buffer memory gained since
 * the last mark-compact (buffers still in flight at two scavenges, which only a mark-compact
 * frees) against the old generation's room, and left to itself a worker could settle on a limit
 * only about 9 MB above its 20 MB of live objects: every 9 MB of such upload buffers then
 * started a mark-compact, about 200 for a 1 GiB artifact, 11-14 s of CPU where 3-5 s do
 * (docs/benchmarks.md). The daemon (`start`) gets a factor of 2 (5 of 5
 * daemons measured no longer did it, at the same peak RSS; a factor of 3 cost 20-26 MB of
 * peak RSS on 20,000 small files). `run` gets 3: it also holds the embedded queue receiving
 * the same bytes, twice the Buffers, and with 2 it still went through 45-75 mark-compacts.
 */
// A Map, not an object literal: `in` would also find Object.prototype's names (`worker toString`).
const growingPercent = new Map([['start', 100], ['run', 200]]).get(process.argv[2] ?? '');
if (growingPercent !== undefined && !chosen(/heap-growing-percent/)) setFlagsFromString(`--heap-growing-percent=${growingPercent}`);

await import('./cli.js');
