import { randomBytes, sign, type KeyObject } from 'node:crypto';
import { createReadStream, createWriteStream } from 'node:fs';
import { rm, stat } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Readable } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import { createGzip } from 'node:zlib';
import {
  InternalError,
  MalformedPayloadError,
  type Feature,
  type FeatureConfigSchema,
  type RunOutcome,
  type TaskContext,
  type TaskFeature,
  type WorkerIdentity,
} from '@docker-worker/worker-contract';
import { chainOfTrustDocument, serializeDocument } from './document.js';
import { loadSigningKey } from './signing-key.js';

export const CERTIFIED_LOG = 'public/logs/certified.log';
const CERTIFIED_LOG_CONTENT_TYPE = 'text/plain; charset=utf-8';
export const CHAIN_OF_TRUST = 'public/chain-of-trust.json';
export const CHAIN_OF_TRUST_SIGNATURE = 'public/chain-of-trust.json.sig';

/** The worker config key (under `features.chainOfTrust`) that names the signing key file. */
export const KEY_LOCATION = 'ed25519SigningKeyLocation';

/**
 * The worker config section `features.chainOfTrust`. The worker checks it against this at
 * start-up, so a misspelt key stops the worker instead of leaving every run unsigned.
 */
export const chainOfTrustConfigSchema = {
  type: 'object',
  title: 'Chain of trust',
  description:
    'Signs each run\'s `public/chain-of-trust.json` for tasks with `features.chainOfTrust`. Setting ' +
    '`ed25519SigningKeyLocation` turns it on: the worker then refuses to start unless the key there is readable.',
  properties: {
    [KEY_LOCATION]: {
      type: 'string',
      minLength: 1,
      title: 'Signing key file',
      description:
        'An ed25519 private key: PEM PKCS#8 (`openssl genpkey -algorithm ed25519`), or base64 of the 32-byte ' +
        'seed or of the 64-byte seed + public key (the original docker-worker\'s format).',
    },
  },
} satisfies FeatureConfigSchema;

/** The configured key file (the section is validated: a string when present), or undefined when none is. */
function keyLocation(config: Record<string, unknown>): string | undefined {
  const location = config[KEY_LOCATION];
  return typeof location === 'string' ? location : undefined;
}

/**
 * Chain of trust (payload `features.chainOfTrust`): at the end of the run (unless canceled) the
 * task log is uploaded again as `public/logs/certified.log`, then `public/chain-of-trust.json`
 * lists the sha256 of every artifact uploaded in the run, the task definition and where it ran,
 * and `public/chain-of-trust.json.sig` is its detached ed25519 signature (64 raw bytes).
 *
 * Its `killed` hook must run after every other upload of the run: it is a `seal` feature, whose
 * hooks the worker runs after every other feature's, whatever the order it lists them in.
 */
class ChainOfTrustTask implements TaskFeature {
  #ctx: TaskContext;
  #key: KeyObject | undefined;

  constructor(ctx: TaskContext) {
    this.#ctx = ctx;
  }

  /** Before anything starts: a run whose chain of trust could not be signed should not run. */
  async link(): Promise<void> {
    const location = keyLocation(this.#ctx.config);
    if (!location) {
      throw new MalformedPayloadError([
        `payload.features.chainOfTrust: this worker has no chain-of-trust signing key (features.chainOfTrust.${KEY_LOCATION} is not set in its config)`,
      ]);
    }
    try {
      this.#key = await loadSigningKey(location);
    } catch (err) {
      throw new InternalError(`chain of trust: ${(err as Error).message}`, { cause: err });
    }
  }

  async killed(outcome: RunOutcome): Promise<void> {
    // Canceled: the queue already resolved the run. No key: link never got that far.
    if (outcome.state === 'canceled' || !this.#key) return;
    const { artifacts, log, task, taskId, runId, worker, image } = this.#ctx;
    if (!artifacts.uploads) throw new InternalError('chain of trust: the artifact publisher cannot list the run\'s uploads');

    if (artifacts.servesContentEncoding === false) {
      // Object artifacts are served as uploaded: the log goes as it is, so readers get text.
      // The log is closed by now: what it holds is all of it, footer included.
      await artifacts.upload({ name: CERTIFIED_LOG, contentType: CERTIFIED_LOG_CONTENT_TYPE, contentLength: log.bytesWritten, source: () => log.createReader() });
    } else {
      const compressed = join(this.#ctx.workDir ?? tmpdir(), `certified-${randomBytes(6).toString('hex')}.log.gz`);
      try {
        await pipeline(log.createReader(), createGzip(), createWriteStream(compressed));
        const { size } = await stat(compressed);
        await artifacts.upload({
          name: CERTIFIED_LOG,
          contentType: CERTIFIED_LOG_CONTENT_TYPE,
          contentEncoding: 'gzip',
          contentLength: size,
          source: () => createReadStream(compressed),
        });
      } finally {
        await rm(compressed, { force: true });
      }
    }

    const document = serializeDocument(chainOfTrustDocument({ taskId, runId, task, worker, image, uploads: artifacts.uploads() }));
    const signature = sign(null, document, this.#key);
    await artifacts.upload({ name: CHAIN_OF_TRUST, contentType: 'text/plain', contentLength: document.length, source: () => Readable.from([document]) });
    await artifacts.upload({
      name: CHAIN_OF_TRUST_SIGNATURE,
      contentType: 'application/octet-stream',
      contentLength: signature.length,
      source: () => Readable.from([signature]),
    });
  }
}

export const chainOfTrustFeature: Feature = {
  name: 'chainOfTrust',
  reservedArtifacts: [CERTIFIED_LOG, CHAIN_OF_TRUST, CHAIN_OF_TRUST_SIGNATURE],
  // After every other upload, which it lists with their sha256.
  phase: 'seal',
  configSchema: chainOfTrustConfigSchema,
  /** With a key file configured, the worker starts only if it holds a usable ed25519 key. */
  async checkHost(_worker: WorkerIdentity, config: Record<string, unknown>): Promise<string | undefined> {
    const location = keyLocation(config);
    if (!location) return undefined;
    try {
      await loadSigningKey(location);
      return undefined;
    } catch (err) {
      return `features.chainOfTrust.${KEY_LOCATION}: ${(err as Error).message}`;
    }
  },
  forTask: (ctx) => new ChainOfTrustTask(ctx),
};
