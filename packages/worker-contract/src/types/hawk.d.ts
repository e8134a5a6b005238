// hawk@9 ships no type definitions; only the client-side calls the worker signs with are declared.
declare module 'hawk' {
  export interface HawkClientCredentials {
    id: string;
    key: string;
    algorithm: 'sha256';
  }
  const hawk: {
    client: {
      header(uri: string, method: string, options: { credentials: HawkClientCredentials; ext?: string }): { header: string };
      getBewit(uri: string, options: { credentials: HawkClientCredentials; ttlSec: number; ext?: string }): string;
    };
  };
  export default hawk;
}
