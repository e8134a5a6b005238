import { createHash, generateKeyPairSync, verify } from 'node:crypto';
import { mkdtemp, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Readable } from 'node:stream';
import { gunzipSync } from 'node:zlib';
import { MalformedPayloadError } from '@docker-worker/worker-contract';
import { CERTIFIED_LOG, CHAIN_OF_TRUST, CHAIN_OF_TRUST_SIGNATURE, artifactsFeature, chainOfTrustFeature, type ChainOfTrustDocument } from '../src/index.js';
import { RecordingPublisher, WORKER, containerWith, testContext } from './helpers.js';

async function keyFile(): Promise<{ location: string; publicKey: ReturnType<typeof generateKeyPairSync>['publicKey'] }> {
  const { privateKey, publicKey } = generateKeyPairSync('ed25519');
  const dir = await mkdtemp(join(tmpdir(), 'cot-'));
  const location = join(dir, 'cot.key');
  await writeFile(location, privateKey.export({ type: 'pkcs8', format: 'pem' }), { mode: 0o600 });
  return { location, publicKey };
}

const sha256 = (data: Buffer) => createHash('sha256').update(data).digest('hex');

describe('chainOfTrust feature', () => {
  it('is a seal feature (after every other upload) and reserves its artifact names', () => {
    expect(chainOfTrustFeature.phase).toBe('seal');
    expect(chainOfTrustFeature.reservedArtifacts).toEqual([CERTIFIED_LOG, CHAIN_OF_TRUST, CHAIN_OF_TRUST_SIGNATURE]);
  });

  describe('checkHost', () => {
    // A section with `enabled: false` never gets here: the worker does not check a switched-off feature.
    it('has nothing to check when no key is configured', async () => {
      await expect(chainOfTrustFeature.checkHost!(WORKER, {})).resolves.toBeUndefined();
    });

    it('accepts a readable key and names a missing or bad one', async () => {
      const { location } = await keyFile();
      await expect(chainOfTrustFeature.checkHost!(WORKER, { ed25519SigningKeyLocation: location })).resolves.toBeUndefined();
      await expect(chainOfTrustFeature.checkHost!(WORKER, { ed25519SigningKeyLocation: '/nonexistent/cot.key' })).resolves.toBe(
        'features.chainOfTrust.ed25519SigningKeyLocation: cannot read the ed25519 signing key /nonexistent/cot.key: no such file',
      );
      await writeFile(location, 'garbage!');
      await expect(chainOfTrustFeature.checkHost!(WORKER, { ed25519SigningKeyLocation: location })).resolves.toMatch(/neither a PEM private key nor base64/);
    });
  });

  it('refuses a task that asks for it on a worker without a key: malformed-payload, nothing uploaded', async () => {
    const ctx = await testContext();
    const feature = chainOfTrustFeature.forTask(ctx, {});
    const err = await feature.link!().catch((e: unknown) => e);
    expect(err).toBeInstanceOf(MalformedPayloadError);
    expect((err as MalformedPayloadError).problems[0]).toMatch(/^payload\.features\.chainOfTrust: this worker has no chain-of-trust signing key/);
    await feature.killed!({ state: 'exception', reason: 'malformed-payload' });
    expect(ctx.artifacts.stored.size).toBe(0);
  });

  it('uploads certified.log, chain-of-trust.json listing every upload, and a signature that verifies', async () => {
    const { location, publicKey } = await keyFile();
    const publisher = new RecordingPublisher();
    const ctx = await testContext({ publisher, config: { ed25519SigningKeyLocation: location } });
    ctx.image = { id: 'sha256:0123abcd', name: 'dw-test/busybox:latest', artifactSha256: 'ff'.repeat(32) };
    const cot = chainOfTrustFeature.forTask(ctx, {});
    const artifacts = artifactsFeature.forTask(ctx, {
      artifacts: { 'public/build/a.txt': { type: 'file', path: '/out/a.txt' }, 'public/dir': { type: 'directory', path: '/out/d' } },
    });
    await cot.link!();
    const files = containerWith({ '/out/a.txt': 'alpha', '/out/d/x.bin': Buffer.from([0, 1, 2]), '/out/d/sub/y.txt': 'why' });
    ctx.log.info('=== Task Finished ===');
    await artifacts.stopped!({ exitCode: 0, timedOut: false, durationMs: 5, files });
    // Another feature's log upload, before the chain of trust's killed hook.
    await publisher.upload({ name: 'public/logs/live_backing.log', contentType: 'text/plain', contentLength: 3, source: () => Readable.from([Buffer.from('log')]) });
    await ctx.log.close();
    await cot.killed!({ state: 'completed' });

    const certified = publisher.stored.get(CERTIFIED_LOG)!;
    expect(certified.contentEncoding).toBe('gzip');
    expect(gunzipSync(certified.data).toString()).toBe(ctx.log.text());

    const json = publisher.stored.get(CHAIN_OF_TRUST)!.data;
    const signature = publisher.stored.get(CHAIN_OF_TRUST_SIGNATURE)!;
    expect(signature.contentType).toBe('application/octet-stream');
    expect(signature.data).toHaveLength(64);
    expect(verify(null, json, publicKey, signature.data)).toBe(true);
    const changed = Buffer.from(json);
    changed[10] ^= 1;
    expect(verify(null, changed, publicKey, signature.data)).toBe(false);

    expect(json.toString()).toBe(JSON.stringify(JSON.parse(json.toString()), null, 2));
    const document = JSON.parse(json.toString()) as ChainOfTrustDocument;
    expect(Object.keys(document.artifacts).sort()).toEqual(
      [CERTIFIED_LOG, 'public/build/a.txt', 'public/dir/sub/y.txt', 'public/dir/x.bin', 'public/logs/live_backing.log'].sort(),
    );
    for (const [name, { sha256: listed }] of Object.entries(document.artifacts)) expect(listed).toBe(sha256(publisher.stored.get(name)!.data));
    expect(document).toMatchObject({
      chainOfTrustVersion: 1,
      task: ctx.task,
      taskId: ctx.taskId,
      runId: 0,
      workerGroup: 'test-group',
      workerId: 'test-worker',
      environment: {
        publicIpAddress: '203.0.113.9',
        privateIpAddress: '10.1.2.3',
        imageHash: 'sha256:0123abcd',
        imageArtifactHash: `sha256:${'ff'.repeat(32)}`,
        instanceId: 'i-123',
        instanceType: 'm5.large',
        region: 'us-test-1',
      },
    });
  });

  it('uploads nothing for a canceled run', async () => {
    const { location } = await keyFile();
    const ctx = await testContext({ config: { ed25519SigningKeyLocation: location } });
    const cot = chainOfTrustFeature.forTask(ctx, {});
    await cot.link!();
    await ctx.log.close();
    await cot.killed!({ state: 'canceled' });
    expect(ctx.artifacts.stored.size).toBe(0);
  });
});
