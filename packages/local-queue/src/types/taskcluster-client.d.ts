// taskcluster-client ships no type definitions; these cover what this package (and its
// tests) use. Its client classes are generated from API references at run time, so their
// methods are untyped by nature.
/* eslint-disable @typescript-eslint/no-explicit-any */
declare module 'taskcluster-client' {
  export interface TcCredentials {
    clientId: string;
    accessToken: string;
    certificate?: string | Record<string, unknown>;
  }
  export interface ClientOptions {
    rootUrl: string;
    credentials?: TcCredentials | Record<string, never>;
    retries?: number;
    delayFactor?: number;
    timeout?: number;
    authorizedScopes?: string[];
  }
  export type ApiMethod = (...args: any[]) => Promise<any>;
  export class TcClient {
    constructor(options: ClientOptions);
    use(options: Partial<ClientOptions>): this;
    buildUrl(method: ApiMethod, ...args: unknown[]): string;
    buildSignedUrl(method: ApiMethod, ...args: unknown[]): string;
    [method: string]: any;
  }
  export interface TemporaryCredentialOptions {
    clientId?: string;
    start?: Date;
    expiry: Date;
    scopes: string[];
    credentials: { clientId: string; accessToken: string };
  }
  export interface UploadOptions {
    projectId: string;
    name: string;
    contentType: string;
    contentLength: number;
    expires: string | Date;
    uploadId?: string;
    object: TcClient;
    streamFactory: () => Promise<NodeJS.ReadableStream> | NodeJS.ReadableStream;
    retries?: number;
    delayFactor?: number;
  }
  export interface DownloadArtifactOptions {
    taskId: string;
    runId?: number;
    name: string;
    queue: TcClient;
    streamFactory: () => Promise<NodeJS.WritableStream> | NodeJS.WritableStream;
    retries?: number;
  }
  const tc: {
    Queue: typeof TcClient;
    Object: typeof TcClient;
    Index: typeof TcClient;
    PurgeCache: typeof TcClient;
    Auth: typeof TcClient;
    createTemporaryCredentials(options: TemporaryCredentialOptions): { clientId: string; accessToken: string; certificate: string };
    upload(options: UploadOptions): Promise<void>;
    downloadArtifact(options: DownloadArtifactOptions): Promise<string>;
    slugid(): string;
    fromNow(offset: string, reference?: Date): Date;
    fromNowJSON(offset: string, reference?: Date): string;
  };
  export default tc;
}

// The API reference data bundled with the client: the server derives each route's scope
// expression from it, and the conformance test compares the route table against it.
declare module 'taskcluster-client/src/apis.js' {
  export interface ApiReferenceEntry {
    type: 'function' | 'topic-exchange';
    name: string;
    method?: 'get' | 'put' | 'post' | 'delete' | 'patch';
    route?: string;
    args?: string[];
    query?: string[];
    input?: string;
    output?: string;
    scopes?: unknown;
    stability?: string;
    exchange?: string;
  }
  export interface ApiReference {
    serviceName: string;
    apiVersion: string;
    exchangePrefix?: string;
    entries: ApiReferenceEntry[];
  }
  const apis: Record<string, { reference: ApiReference }>;
  export default apis;
}
