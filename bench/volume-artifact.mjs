#!/usr/bin/env node
/**
 * `volume` against `directory` artifacts: the same task, publishing the same 1 GiB file, once as
 * a `directory` artifact (read out of the stopped container through the engine's archive
 * endpoint, spooled, uploaded) and once as a `volume` (read straight from the host directory
 * mounted into the container, uploaded), interleaved (the order rotates).
 *
 * The file is baked into a throw-away image; the task copies it into the artifact's directory
 * (`cp /data/big.bin /out/`), so both sides do the same work in the container and differ only in
 * where `/out` lives (the container's own layer, or the host) and how the worker reads it. Both
 * run through `worker start` serving this script's queue, from createTask to the run resolved.
 *
 *   node bench/volume-artifact.mjs [--quick] [--runs 3] [--mb 1024]
 *
 * Needs a build (`pnpm build`), a Docker engine and the test image `dw-test/busybox:latest`.
 */
import { randomBytes } from 'node:crypto';
import { mkdir, rm, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { IMAGE, interleave, main, median, must, now, peakRssMb, randomFile, requireBuild, row, run, seconds } from './lib/common.mjs';
import { Daemon } from './lib/daemon.mjs';

export async function volumeArtifact({ quick = false, mb = quick ? 256 : 1024, runs = quick ? 1 : 3 } = {}) {
  requireBuild();
  const bytes = mb * 1024 * 1024;
  const image = `dw-bench/volume:${randomBytes(4).toString('hex')}`;
  const daemon = new Daemon({ name: 'volume', capacity: 1 });
  await daemon.start();
  const dir = daemon.dir;
  try {
    const context = join(dir, 'image');
    await mkdir(context, { recursive: true });
    await randomFile(join(context, 'big.bin'), bytes);
    await writeFile(join(context, 'Dockerfile'), `FROM ${IMAGE}\nCOPY big.bin /data/big.bin\n`);
    await must('docker', ['build', '-q', '-t', image, context]);
    await rm(join(context, 'big.bin'));

    const payload = (type) => ({ image, command: ['sh', '-c', 'mkdir -p /out && cp /data/big.bin /out/'], maxRunTime: 600, artifacts: { 'public/out': { type, path: '/out' } } });
    const side = (type) => async () => {
      await daemon.parked();
      const started = now();
      const taskId = await daemon.create(payload(type));
      await daemon.resolution(taskId);
      const wallMs = now() - started;
      // The queue keeps what was PUT on this machine's disk: deleted at once, it is not written
      // back while the other side runs (see artifact-upload.mjs).
      const path = daemon.queue.artifactPath(taskId, 0, 'public/out/big.bin');
      if (!path) throw new Error(`${type}: no public/out/big.bin artifact`);
      await rm(path, { force: true });
      return { wallMs };
    };
    const r = await interleave({ directory: side('directory'), volume: side('volume') }, runs);
    const d = median(r.directory.map((x) => x.wallMs));
    const v = median(r.volume.map((x) => x.wallMs));
    return [
      row({
        name: `volume artifact (${mb} MiB file written by the task, against the same as a directory artifact)`,
        baseline: seconds(d),
        worker: seconds(v),
        ratio: v / d,
        rss: `${(await peakRssMb(daemon.pid)).toFixed(0)} MB`,
        note: `${runs} interleaved round(s); worker start, createTask → resolved, the task's cp into /out included on both sides; single ratios ${r.volume.map((x, i) => (x.wallMs / r.directory[i].wallMs).toFixed(2)).join(', ')}`,
      }),
    ];
  } finally {
    await daemon.stop();
    await run('docker', ['image', 'rm', '-f', image]).catch(() => {});
  }
}

await main(import.meta, volumeArtifact, ['runs', 'mb']);
