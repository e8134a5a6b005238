import { execFileSync } from 'node:child_process';
import { readFileSync } from 'node:fs';
import http, { type IncomingHttpHeaders, type IncomingMessage } from 'node:http';
import https from 'node:https';
import { join } from 'node:path';
import type { ArtifactPublisher, TaskContext, TaskLog } from '@docker-worker/worker-contract';
import { testTaskContext } from '@docker-worker/worker-contract/testing';

/** An HTTP(S) reader of a live log: what it got so far, and how its response ended. */
export interface Reader {
  status: number;
  headers: IncomingHttpHeaders;
  response: IncomingMessage;
  received(): Buffer;
  /** 'end' for a complete response, 'aborted' when the connection was cut. */
  ended: Promise<'end' | 'aborted'>;
}

export function openReader(url: string, options: { ca?: Buffer; method?: string } = {}): Promise<Reader> {
  return new Promise((resolve, reject) => {
    const get = url.startsWith('https:') ? https.request : http.request;
    const req = get(url, { method: options.method ?? 'GET', ca: options.ca }, (response) => {
      const chunks: Buffer[] = [];
      response.on('data', (chunk: Buffer) => chunks.push(chunk));
      const ended = new Promise<'end' | 'aborted'>((done) => {
        response.once('end', () => done('end'));
        response.once('aborted', () => done('aborted'));
        response.once('error', () => done('aborted'));
        response.once('close', () => done(response.complete ? 'end' : 'aborted'));
      });
      resolve({ status: response.statusCode ?? 0, headers: response.headers, response, received: () => Buffer.concat(chunks), ended });
    });
    req.once('error', reject);
    req.end();
  });
}

export { until } from '@docker-worker/worker-contract/testing';

/** A self-signed certificate for localhost / 127.0.0.1, made with openssl in `dir`. */
export function makeCertificate(dir: string): { certificate: string; key: string; pem: Buffer } {
  const certificate = join(dir, 'cert.pem');
  const key = join(dir, 'key.pem');
  execFileSync('openssl', [
    'req', '-x509', '-newkey', 'rsa:2048', '-nodes', '-days', '1', '-subj', '/CN=localhost',
    '-addext', 'subjectAltName=DNS:localhost,IP:127.0.0.1', '-keyout', key, '-out', certificate,
  ], { stdio: 'ignore' });
  return { certificate, key, pem: readFileSync(certificate) };
}

/** A feature context around `log` and `publisher`, its work directory `dir`. */
export function taskContext(log: TaskLog, publisher: ArtifactPublisher, dir: string): Promise<TaskContext> {
  return testTaskContext({ log, artifacts: publisher, workDir: dir });
}
