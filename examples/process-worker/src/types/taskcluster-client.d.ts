// taskcluster-client ships no type definitions; these cover what this worker calls. Its API
// methods are generated from the services' references at run time, so they stay untyped.
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
  }
  type ApiMethod = (...args: any[]) => Promise<any>;
  class TcClient {
    constructor(options: ClientOptions);
    buildUrl(method: ApiMethod, ...args: unknown[]): string;
    buildSignedUrl(method: ApiMethod, ...args: unknown[]): string;
    [method: string]: any;
  }
  /** A client of one service (here: the queue), with its credentials. */
  export type Client = TcClient;
  const tc: {
    Queue: typeof TcClient;
    slugid(): string;
  };
  export default tc;
}
