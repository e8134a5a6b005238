// taskcluster-client ships no type definitions; these cover what the tests call.
/* eslint-disable @typescript-eslint/no-explicit-any */
declare module 'taskcluster-client' {
  interface TcCredentials {
    clientId: string;
    accessToken: string;
    certificate?: string;
  }
  type TcClient = { [method: string]: any };
  const tc: {
    Queue: new (options: { rootUrl: string; credentials?: TcCredentials }) => TcClient;
    slugid(): string;
  };
  export default tc;
}
