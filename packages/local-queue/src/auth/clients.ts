// The permanent clients this queue knows: the root client and any made with createClient().
// (The real deployment keeps these in the auth service.)

import { randomBytes } from 'node:crypto';

export interface Credentials {
  clientId: string;
  accessToken: string;
}

export interface ClientRecord extends Credentials {
  scopes: string[];
}

/** 44 url-safe characters, the length of a real Taskcluster access token. */
export function randomAccessToken(): string {
  return randomBytes(33).toString('base64url');
}

export class ClientStore {
  private readonly clients = new Map<string, ClientRecord>();

  add(clientId: string, accessToken: string, scopes: readonly string[]): ClientRecord {
    const record = { clientId, accessToken, scopes: [...scopes] };
    this.clients.set(clientId, record);
    return record;
  }

  get(clientId: string): ClientRecord | undefined {
    return this.clients.get(clientId);
  }
}
