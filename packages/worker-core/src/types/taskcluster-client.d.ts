// taskcluster-client ships no type definitions; these cover what this package calls.
// The client is generated from API references at run time; its methods are untyped by nature.
/* eslint-disable @typescript-eslint/no-explicit-any */
declare module 'taskcluster-client' {
  interface TcCredentials {
    clientId: string;
    accessToken: string;
    certificate?: string | Record<string, unknown>;
  }
  interface ClientOptions {
    rootUrl: string;
    credentials?: TcCredentials;
    retries?: number;
    timeout?: number;
    authorizedScopes?: string[];
    /** Options for agents of this client's own, instead of the shared `agents`. */
    agent?: import('node:http').AgentOptions;
  }
  type ApiMethod = (...args: any[]) => Promise<any>;
  class TcClient {
    constructor(options: ClientOptions);
    use(options: Partial<ClientOptions>): this;
    buildUrl(method: ApiMethod, ...args: unknown[]): string;
    buildSignedUrl(method: ApiMethod, ...args: unknown[]): string;
    [method: string]: any;
  }
  interface UploadObjectClient {
    createUpload(name: string, request: Record<string, unknown>): Promise<unknown>;
    finishUpload(name: string, request: Record<string, unknown>): Promise<unknown>;
  }
  interface UploadOptions {
    projectId: string;
    name: string;
    contentType: string;
    contentLength: number;
    expires: string | Date;
    uploadId: string;
    /** An object-service client (tc.Object), or anything with the only two calls `upload` makes of it. */
    object: TcClient | UploadObjectClient;
    streamFactory: () => Promise<NodeJS.ReadableStream> | NodeJS.ReadableStream;
    retries?: number;
  }
  const tc: {
    Queue: typeof TcClient;
    Object: typeof TcClient;
    Index: typeof TcClient;
    PurgeCache: typeof TcClient;
    Auth: typeof TcClient;
    /** The agents every client made afterwards uses; replaceable. */
    agents: { http: import('node:http').Agent; https: import('node:https').Agent };
    upload(options: UploadOptions): Promise<void>;
    slugid(): string;
    fromNow(offset: string, reference?: Date): Date;
  };
  export default tc;
  export function slugid(): string;
  export function fromNow(offset: string, reference?: Date): Date;
}
