import type { ImageReference } from './image-reference.js';

export interface RegistryCredentials {
  username: string;
  password: string;
  email?: string;
}

/** The `registries` config: `host`, `host/` or `host/user` → credentials. */
export type RegistryMap = Record<string, RegistryCredentials>;

export interface MatchedCredentials {
  /** The registry host the credentials are for, for messages (never the password). */
  registry: string;
  credentials: RegistryCredentials;
  /** The scope a task needs to pull with them: `docker-worker:image:<repository>:<tag>`. */
  scope: string;
}

/** A first component is a registry host the way Docker decides it: it has `.` or `:`, or is `localhost`. */
function isRegistryHost(component: string): boolean {
  return component.includes('.') || component.includes(':') || component === 'localhost';
}

/**
 * Which configured credentials a pull of `image` uses, as the original matched them: an exact
 * `host/user` key wins over a `host` (or `host/`) key. Names without a registry host use
 * `defaultRegistry` (Docker Hub), so `user/image` matches `registry.hub.docker.com/user`.
 */
export function credentialsFor(image: ImageReference, registries: RegistryMap, defaultRegistry: string): MatchedCredentials | undefined {
  const parts = image.repository.split('/');
  const explicit = parts.length > 1 && isRegistryHost(parts[0]!);
  const host = explicit ? parts[0]! : defaultRegistry;
  const path = explicit ? parts.slice(1) : parts;
  const user = path.length > 1 ? path[0] : undefined;
  const credentials = (user !== undefined ? registries[`${host}/${user}`] : undefined) ?? registries[host] ?? registries[`${host}/`];
  if (!credentials) return undefined;
  const tag = image.digest ?? image.tag ?? 'latest';
  return { registry: host, credentials, scope: `docker-worker:image:${image.repository}:${tag}` };
}
