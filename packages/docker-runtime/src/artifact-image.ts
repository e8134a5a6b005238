import { createHash } from 'node:crypto';
import { Readable, Transform, type TransformCallback } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import { ImageError, ResourceUnavailableError } from '@docker-worker/worker-contract';
import type Dockerode from 'dockerode';
import tar from 'tar-stream';
import { decoderFor, describeFirstBytes, detectImageFormat, type ImageFormat, peek, SIGNATURE_BYTES } from './image-format.js';

/**
 * The local name an artifact image is loaded under: derived from taskId and path, so two
 * tasks naming the same artifact share it and a tarball can never overwrite another image's
 * name (its own RepoTags are replaced).
 */
export function artifactImageName(taskId: string, path: string): string {
  return `task-image-${createHash('sha256').update(`${taskId}/${path}`).digest('hex').slice(0, 32)}:latest`;
}

/** Counts and hashes the bytes going through; checks the count against the announced length. */
class Measure extends Transform {
  bytes = 0;
  readonly hash = createHash('sha256');
  constructor(private readonly expected: number | undefined, private readonly what: string) {
    super();
  }
  override _transform(chunk: Buffer, _encoding: BufferEncoding, callback: TransformCallback): void {
    this.bytes += chunk.length;
    this.hash.update(chunk);
    callback(null, chunk);
  }
  override _flush(callback: TransformCallback): void {
    if (this.expected !== undefined && this.bytes !== this.expected) {
      callback(new ResourceUnavailableError(`${this.what} was cut short: ${this.bytes} of ${this.expected} bytes arrived`));
      return;
    }
    callback();
  }
}

/**
 * Rewrites a `docker save` tarball on the fly so it loads under `name` only: `manifest.json`
 * gets `RepoTags: [name]` and `repositories` names only `name`. Everything else streams
 * through untouched. A tarball with more than one image is refused.
 */
function retag(name: string): { input: tar.Extract; output: tar.Pack; done: Promise<void> } {
  const input = tar.extract();
  const output = tar.pack();
  const [repository, tag] = name.split(':') as [string, string];
  const done = new Promise<void>((resolve, reject) => {
    input.on('entry', (header, stream, next) => {
      // An aborted download destroys the entry being read (and the pack it goes to) with the
      // abort's error: it must reach `done`, not become an uncaught 'error' event.
      stream.on('error', reject);
      const small = header.name === 'manifest.json' || header.name === 'repositories';
      if (!small) {
        stream.pipe(output.entry(header, next)).on('error', reject);
        return;
      }
      const chunks: Buffer[] = [];
      stream.on('data', (c: unknown) => chunks.push(c as Buffer));
      stream.on('end', () => {
        try {
          const parsed = JSON.parse(Buffer.concat(chunks).toString('utf8')) as unknown;
          let rewritten: unknown;
          if (header.name === 'manifest.json') {
            const images = parsed as Array<{ RepoTags?: string[] | null }>;
            if (images.length !== 1) throw new ImageError(`the image artifact holds ${images.length} images; a task image must hold exactly one`);
            rewritten = [{ ...images[0], RepoTags: [name] }];
          } else {
            const repos = parsed as Record<string, Record<string, string>>;
            const ids = Object.values(repos).flatMap((tags) => Object.values(tags));
            if (new Set(ids).size > 1) throw new ImageError(`the image artifact holds ${new Set(ids).size} images; a task image must hold exactly one`);
            rewritten = ids.length ? { [repository]: { [tag]: ids[0] } } : {};
          }
          const body = Buffer.from(JSON.stringify(rewritten));
          output.entry({ ...header, size: body.length }, body, next);
        } catch (err) {
          reject(err);
          input.destroy(err as Error);
          output.destroy(err as Error);
        }
      });
    });
    input.on('finish', () => {
      output.finalize();
      resolve();
    });
    input.on('error', (err) => reject(notTar(err)));
  });
  return { input, output, done };
}

/** tar-stream's complaints about its input say the archive is not a tar: a task failure. */
function notTar(err: Error): Error {
  if (!/^(Invalid tar header|Unexpected end of data)/.test(err.message)) return err;
  return new ImageError(`the image artifact does not hold a valid tar archive (${err.message.replace(/\. Maybe.*$/, '')})`);
}

/** What the engine's load stream reported. */
async function readLoadReply(stream: Readable): Promise<void> {
  let text = '';
  for await (const chunk of stream) text += (chunk as Buffer).toString();
  for (const line of text.split('\n')) {
    if (!line.trim()) continue;
    try {
      const event = JSON.parse(line) as { error?: string; errorDetail?: { message?: string } };
      if (event.error) throw new ImageError(`the Docker engine could not load the image artifact: ${event.errorDetail?.message ?? event.error}`);
    } catch (err) {
      if (err instanceof ImageError) throw err;
    }
  }
}

/**
 * Download an image archive and load it into the engine under `name`, streaming all the way:
 * HTTP body → decoder → tar rewrite → `docker load`. Its format (plain tar, or tar compressed
 * with gzip, bzip2, xz, zstd or lz4) is told by its first bytes, never by its name. Returns
 * the sha256 of the artifact as downloaded (the chain of trust records it).
 */
export async function loadArtifactImage(options: {
  docker: Dockerode;
  url: string;
  path: string;
  taskId: string;
  name: string;
  signal: AbortSignal;
}): Promise<{ sha256: string; bytes: number; format: ImageFormat }> {
  const { docker, url, path, taskId, name, signal } = options;
  const what = `image artifact "${path}" of task ${taskId}`;
  let response: Response;
  try {
    response = await fetch(url, { signal, redirect: 'follow' });
  } catch (err) {
    throw new ResourceUnavailableError(`Could not download ${what}: ${(err as Error).message}`);
  }
  if (response.status === 404 || response.status === 403 || response.status === 401 || response.status === 424) {
    throw new ImageError(`Could not download ${what}: HTTP ${response.status} (${(await response.text()).slice(0, 300)})`);
  }
  if (!response.ok || !response.body) throw new ResourceUnavailableError(`Could not download ${what}: HTTP ${response.status}`);
  const length = response.headers.get('content-length');
  const measure = new Measure(length === null ? undefined : Number(length), what);
  const body = Readable.fromWeb(response.body as never);
  body.on('error', (err) => measure.destroy(signal.aborted ? err : new ResourceUnavailableError(`Could not download ${what}: ${err.message}`)));
  const { head, stream } = await peek(body.pipe(measure), SIGNATURE_BYTES);
  const format = detectImageFormat(head);
  if (!format) {
    stream.destroy();
    throw new ImageError(
      `The ${what} is not an image archive (a \`docker save\` tar, plain or compressed with gzip, bzip2, xz, zstd or lz4): ${describeFirstBytes(head)}`,
    );
  }
  const decoder = decoderFor(format);
  const { input, output, done } = retag(name);
  const feeding = pipeline([stream, decoder.stream, input], { signal });
  // Whatever stops the feeding must also end what `docker load` reads, or the load waits forever.
  feeding.catch((err: Error) => output.destroy(err));
  // docker-modem pipes `output` into its request without listening for its errors; the
  // feeding's error is the one reported (below), so this one must not become uncaught.
  output.on('error', () => {});
  const loading = docker.loadImage(output as unknown as NodeJS.ReadableStream, { quiet: true }).then((reply) => readLoadReply(reply as unknown as Readable));
  const results = await Promise.allSettled([decoder.done, feeding, done, loading]);
  const failures = results.flatMap((r) => (r.status === 'rejected' ? [r.reason as Error] : []));
  if (failures.length) {
    if (signal.aborted) throw results[1].status === 'rejected' ? results[1].reason : failures[0];
    // A download cut short is retried elsewhere (resource-unavailable), though the decoder then
    // fails too; otherwise the decoder's own verdict comes first: a corrupt archive makes the
    // later stages fail as well, more vaguely.
    throw notTar(failures.find((err) => err instanceof ResourceUnavailableError) ?? failures[0]!);
  }
  return { sha256: measure.hash.digest('hex'), bytes: measure.bytes, format };
}
