// The data endpoints under `/_data/` that stand in for S3: PUT to the putUrls handed out by
// createArtifact(s3) and createUpload(putUrl), GET from the download URLs. Bodies are
// streamed to and from disk; only small bodies (up to SMALL_BODY_BYTES) are read whole first.

import type { IncomingMessage, ServerResponse } from 'node:http';
import type { ServiceContext } from '../context.js';
import { ApiError } from '../errors.js';
import type { FaultInjector } from '../faults.js';
import { decodeSegment, splitRawPath } from '../http/path.js';
import { objectPutResource, PURPOSE, s3Resource } from './data-urls.js';
import { SizeMismatchError } from './disk.js';

class DataError extends Error {
  constructor(
    readonly status: number,
    readonly code: string,
    message: string,
  ) {
    super(message);
  }
}

function header(req: IncomingMessage, name: string): string | undefined {
  const value = req.headers[name];
  return Array.isArray(value) ? value[0] : value;
}

export class DataRoutes {
  constructor(
    private readonly ctx: ServiceContext,
    /** Injected faults for data PUTs: `s3.put` (artifact putUrls) and `object.put` (object service putUrls). */
    private readonly faults?: FaultInjector,
  ) {}

  /** Serves one `/_data/...` request; returns the status sent. */
  async handle(req: IncomingMessage, res: ServerResponse, rawPath: string, query: URLSearchParams): Promise<number> {
    try {
      const segments = splitRawPath(rawPath).slice(1);
      const kind = segments[0];
      if (kind === 's3' && segments.length >= 4) {
        const [, taskId, runId, ...nameParts] = segments.map(decodeSegment);
        return await this.s3(req, res, taskId!, Number(runId), nameParts.join('/'), query);
      }
      if (kind === 'object' && segments.length >= 2) {
        return await this.object(req, res, segments.slice(1).map(decodeSegment).join('/'), query);
      }
      throw new DataError(404, 'NoSuchKey', 'No such data URL');
    } catch (err) {
      const status = err instanceof DataError || err instanceof ApiError ? (err instanceof DataError ? err.status : err.statusCode) : 500;
      const code = err instanceof DataError || err instanceof ApiError ? err.code : 'InternalError';
      // A rejected upload's body is still drained, so the client reads this answer rather
      // than failing with a broken pipe.
      req.resume();
      if (!res.headersSent) {
        const body = JSON.stringify({ code, message: (err as Error).message });
        res.writeHead(status, { 'content-type': 'application/json; charset=utf-8', 'content-length': Buffer.byteLength(body) });
        res.end(body);
      } else {
        res.destroy();
      }
      return status;
    }
  }

  private async s3(req: IncomingMessage, res: ServerResponse, taskId: string, runId: number, name: string, query: URLSearchParams): Promise<number> {
    const { artifacts, disk, urls } = this.ctx;
    const resource = s3Resource(taskId, runId, name);
    if (req.method === 'PUT') {
      const fault = this.faults?.take('s3', 'put');
      if (fault) throw fault;
      if (!urls.signer.verify(PURPOSE.s3Put, resource, query)) throw new DataError(403, 'AccessDenied', 'Invalid or expired upload URL');
      const artifact = artifacts.get(taskId, runId, name);
      if (!artifact || artifact.storageType !== 's3') throw new DataError(404, 'NoSuchKey', `No s3 artifact ${name}`);
      const length = header(req, 'content-length');
      if (length === undefined) throw new DataError(411, 'MissingContentLength', 'Content-Length is required');
      // Content-Type is part of what S3 signs, so a different one fails the signature.
      if (header(req, 'content-type') !== artifact.contentType) {
        throw new DataError(403, 'SignatureDoesNotMatch', `Content-Type must be '${artifact.contentType}'`);
      }
      const contentEncoding = header(req, 'content-encoding');
      try {
        // S3 keeps no hashes the queue would serve: none computed.
        const file = await disk.writeStream(disk.pathFor('s3', resource), req, Number(length), { hash: false });
        artifact.file = { path: file.path, size: file.size, contentEncoding };
      } catch (err) {
        if (err instanceof SizeMismatchError) throw new DataError(400, 'IncompleteBody', err.message);
        throw err;
      }
      res.writeHead(200, { 'content-length': '0' });
      res.end();
      return 200;
    }
    if (req.method === 'GET' || req.method === 'HEAD') {
      if (!urls.signer.verify(PURPOSE.s3Get, resource, query)) throw new DataError(403, 'AccessDenied', 'Invalid or expired download URL');
      const artifact = artifacts.get(taskId, runId, name);
      if (!artifact?.file) throw new DataError(404, 'NoSuchKey', `No data uploaded for ${name}`);
      const headers: Record<string, string> = { 'content-type': artifact.contentType, 'content-length': String(artifact.file.size) };
      if (artifact.file.contentEncoding) headers['content-encoding'] = artifact.file.contentEncoding;
      return this.sendFile(req, res, artifact.file.path, headers);
    }
    throw new DataError(405, 'MethodNotAllowed', `${req.method} is not allowed here`);
  }

  private async object(req: IncomingMessage, res: ServerResponse, name: string, query: URLSearchParams): Promise<number> {
    const { objects, urls } = this.ctx;
    if (req.method === 'PUT') {
      const fault = this.faults?.take('object', 'put');
      if (fault) throw fault;
      const uploadId = query.get('uploadId') ?? '';
      if (!urls.signer.verify(PURPOSE.objectPut, objectPutResource(name, uploadId), query)) {
        throw new DataError(403, 'AccessDenied', 'Invalid or expired upload URL');
      }
      await objects.receiveData(
        name,
        uploadId,
        {
          contentType: header(req, 'content-type'),
          contentLength: header(req, 'content-length'),
          contentEncoding: header(req, 'content-encoding'),
        },
        req,
      );
      res.writeHead(200, { 'content-length': '0' });
      res.end();
      return 200;
    }
    if (req.method === 'GET' || req.method === 'HEAD') {
      if (!urls.signer.verify(PURPOSE.objectGet, name, query)) throw new DataError(403, 'AccessDenied', 'Invalid or expired download URL');
      const object = objects.get(name);
      if (!object?.finished || !object.data) throw new DataError(404, 'NoSuchKey', `No object ${name}`);
      return this.sendFile(req, res, object.data.path, {
        'content-type': object.data.contentType,
        'content-length': String(object.data.size),
      });
    }
    throw new DataError(405, 'MethodNotAllowed', `${req.method} is not allowed here`);
  }

  private async sendFile(req: IncomingMessage, res: ServerResponse, path: string, headers: Record<string, string>): Promise<number> {
    const stream = this.ctx.disk.read(path);
    // Open before sending headers, so a vanished file is a 404 rather than a cut-off 200.
    await new Promise<void>((resolve, reject) => {
      stream.once('open', () => resolve());
      stream.once('error', () => reject(new DataError(404, 'NoSuchKey', 'The data is gone')));
    });
    res.writeHead(200, headers);
    if (req.method === 'HEAD') {
      stream.destroy();
      res.end();
      return 200;
    }
    stream.once('error', () => res.destroy());
    stream.pipe(res);
    res.once('close', () => stream.destroy());
    return 200;
  }
}
