// The object service's state: uploads locked in to a projectId/uploadId/expires,
// negotiated upload methods, stored data with its hashes, and finished (immutable) objects.

import { Buffer } from 'node:buffer';
import type { Readable } from 'node:stream';
import { InputError, RequestConflict, ResourceNotFound } from '../errors.js';
import { SizeMismatchError, type DiskStorage, type StoredFile } from '../storage/disk.js';

export type Hashes = Partial<Record<'sha256' | 'sha512', string>>;

export interface StoredObject {
  name: string;
  projectId: string;
  uploadId: string;
  expires: string;
  finished: boolean;
  hashes: Hashes;
  /** what the putUrl method was negotiated for */
  expectedContentType?: string;
  expectedContentLength?: number;
  /** the data, once received */
  data?: StoredFile & { contentType: string };
}

export interface CreateUploadRequest {
  projectId: string;
  uploadId: string;
  expires: string;
  hashes?: Hashes;
  proposedUploadMethods: {
    dataInline?: { contentType: string; objectData: string };
    putUrl?: { contentType: string; contentLength: number };
  };
}

export interface FinishUploadRequest {
  projectId: string;
  uploadId: string;
  hashes?: Hashes;
}

export type UploadMethod =
  | Record<string, never>
  | { dataInline: true }
  | { putUrl: { url: string; expires: string; headers: Record<string, string> } };

/** How long a negotiated putUrl stays valid. */
const PUT_URL_LIFETIME_MS = 60 * 60 * 1000;

function sameInstant(a: string, b: string): boolean {
  return Date.parse(a) === Date.parse(b);
}

/** The object's hashes plus `hashes`; each algorithm may be set once and never changed. */
function mergedHashes(object: StoredObject, hashes: Hashes | undefined): Hashes {
  for (const [algorithm, value] of Object.entries(hashes ?? {}) as [keyof Hashes, string][]) {
    const existing = object.hashes[algorithm];
    if (existing !== undefined && existing !== value) {
      throw new RequestConflict(`Object ${object.name} already has a different ${algorithm} hash`);
    }
  }
  return { ...object.hashes, ...hashes };
}

export class ObjectStore {
  private readonly objects = new Map<string, StoredObject>();
  /** No object expires before this (ms), so the sweep need not look at each one every second (as for artifacts). */
  private earliestExpiry = Infinity;

  constructor(
    private readonly disk: DiskStorage,
    /** builds the putUrl for an upload */
    private readonly putUrlFor: (name: string, uploadId: string, expires: number) => string,
  ) {}

  get(name: string): StoredObject | undefined {
    return this.objects.get(name);
  }

  requireFinished(name: string): StoredObject {
    const object = this.objects.get(name);
    if (!object || !object.finished) throw new ResourceNotFound(`Object ${name} not found`);
    return object;
  }

  /**
   * createUpload: the first call locks in projectId/uploadId/expires; later calls must
   * repeat them exactly and may negotiate (or refresh) an upload method.
   */
  async createUpload(name: string, request: CreateUploadRequest, now: number = Date.now()): Promise<UploadMethod> {
    let object = this.objects.get(name);
    if (object) {
      if (object.uploadId !== request.uploadId || object.projectId !== request.projectId || !sameInstant(object.expires, request.expires)) {
        // The real service's words: an upload under another uploadId is a different object.
        throw new RequestConflict(`Object already exists: ${name} was created with a different projectId, uploadId or expires`);
      }
      if (object.finished) throw new RequestConflict(`Object ${name} is already finished and cannot be uploaded again`);
      object.hashes = mergedHashes(object, request.hashes);
    } else {
      object = {
        name,
        projectId: request.projectId,
        uploadId: request.uploadId,
        expires: new Date(request.expires).toJSON(),
        finished: false,
        hashes: { ...request.hashes },
      };
      this.objects.set(name, object);
      this.earliestExpiry = Math.min(this.earliestExpiry, Date.parse(object.expires));
    }

    const { dataInline, putUrl } = request.proposedUploadMethods;
    if (dataInline) {
      const data = Buffer.from(dataInline.objectData, 'base64');
      const file = await this.disk.writeBuffer(this.disk.pathFor('object', name), data, { hash: true });
      object.data = { ...file, contentType: dataInline.contentType };
      return { dataInline: true };
    }
    if (putUrl) {
      object.expectedContentType = putUrl.contentType;
      object.expectedContentLength = putUrl.contentLength;
      const expires = now + PUT_URL_LIFETIME_MS;
      return {
        putUrl: {
          url: this.putUrlFor(name, object.uploadId, expires),
          expires: new Date(expires).toJSON(),
          headers: {
            'Content-Type': putUrl.contentType,
            'Content-Length': String(putUrl.contentLength),
            'Content-Encoding': 'identity',
          },
        },
      };
    }
    return {};
  }

  /**
   * Receives the bytes PUT to a putUrl. The caller has checked the URL's signature; here the
   * upload must still be open and the headers must be the ones handed out.
   */
  async receiveData(
    name: string,
    uploadId: string,
    headers: { contentType: string | undefined; contentLength: string | undefined; contentEncoding: string | undefined },
    body: Readable,
  ): Promise<void> {
    const object = this.objects.get(name);
    if (!object || object.uploadId !== uploadId) throw new ResourceNotFound(`No upload ${uploadId} for object ${name}`);
    if (object.finished) throw new RequestConflict(`Object ${name} is already finished`);
    if (object.expectedContentLength === undefined) throw new InputError(`No putUrl upload was negotiated for object ${name}`);
    if (headers.contentLength === undefined || Number(headers.contentLength) !== object.expectedContentLength) {
      throw new InputError(`Content-Length must be ${object.expectedContentLength}`);
    }
    const contentType = object.expectedContentType;
    if (contentType === undefined || headers.contentType !== contentType) {
      throw new InputError(`Content-Type must be '${contentType}'`);
    }
    if (headers.contentEncoding !== undefined && headers.contentEncoding !== 'identity') {
      throw new InputError(`Content-Encoding must be 'identity'`);
    }
    let file: StoredFile;
    try {
      file = await this.disk.writeStream(this.disk.pathFor('object', name), body, object.expectedContentLength, { hash: true });
    } catch (err) {
      if (err instanceof SizeMismatchError) throw new InputError(err.message);
      throw err;
    }
    object.data = { ...file, contentType };
  }

  /** finishUpload: the stored bytes must be there and match every hash given. */
  finishUpload(name: string, request: FinishUploadRequest): void {
    const object = this.objects.get(name);
    if (!object) throw new ResourceNotFound(`Object ${name} not found`);
    if (object.uploadId !== request.uploadId || object.projectId !== request.projectId) {
      throw new RequestConflict(`Object ${name} was not created with this projectId and uploadId`);
    }
    const hashes = mergedHashes(object, request.hashes);
    const data = object.data;
    if (!data) throw new InputError(`No data has been uploaded for object ${name}`);
    for (const [algorithm, value] of Object.entries(hashes) as [keyof Hashes, string][]) {
      if (data[algorithm] !== value) {
        throw new InputError(`The ${algorithm} hash given for object ${name} does not match the uploaded data`);
      }
    }
    object.hashes = hashes;
    object.finished = true;
  }

  /** Drops objects (and their data) whose name starts with `prefix`. */
  async dropPrefix(prefix: string): Promise<void> {
    for (const [name, object] of [...this.objects]) {
      if (!name.startsWith(prefix)) continue;
      this.objects.delete(name);
      if (object.data) await this.disk.remove(object.data.path);
    }
  }

  /** Drops objects past `expires`. */
  async sweep(now: number = Date.now()): Promise<void> {
    if (now < this.earliestExpiry) return;
    const expired: StoredObject[] = [];
    let earliest = Infinity;
    for (const object of this.objects.values()) {
      const expires = Date.parse(object.expires);
      if (expires <= now) expired.push(object);
      else earliest = Math.min(earliest, expires);
    }
    this.earliestExpiry = earliest;
    for (const object of expired) {
      this.objects.delete(object.name);
      if (object.data) await this.disk.remove(object.data.path);
    }
  }
}
