// hawk@9 ships no type definitions; only the server-side calls used here are declared.
declare module 'hawk' {
  import type { IncomingMessage } from 'node:http';

  export interface HawkCredentials {
    id?: string;
    key: string;
    algorithm: 'sha256' | 'sha1';
  }
  export type CredentialsFunc = (id: string) => Promise<HawkCredentials | null | undefined>;
  export interface AuthenticateOptions {
    timestampSkewSec?: number;
    localtimeOffsetMsec?: number;
    host?: string;
    port?: number;
  }
  export interface HeaderAttributes {
    id?: string;
    ts?: string;
    nonce?: string;
    hash?: string;
    ext?: string;
    mac?: string;
  }
  const hawk: {
    server: {
      authenticate(
        req: IncomingMessage,
        credentialsFunc: CredentialsFunc,
        options?: AuthenticateOptions,
      ): Promise<{ credentials: HawkCredentials; artifacts: HeaderAttributes }>;
      authenticateBewit(
        req: IncomingMessage,
        credentialsFunc: CredentialsFunc,
        options?: AuthenticateOptions,
      ): Promise<{ credentials: HawkCredentials; attributes: { id: string; exp: string; mac: string; ext: string } }>;
    };
    client: {
      header(
        uri: string,
        method: string,
        options: { credentials: HawkCredentials & { id: string }; ext?: string; timestamp?: number },
      ): { header: string };
      getBewit(uri: string, options: { credentials: HawkCredentials & { id: string }; ttlSec: number; ext?: string }): string;
    };
    utils: {
      parseAuthorizationHeader(header: string | undefined): HeaderAttributes;
    };
  };
  export default hawk;
}
