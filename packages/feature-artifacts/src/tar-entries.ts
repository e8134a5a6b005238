import { posix } from 'node:path';

/** Tar entry types that hold a regular file's bytes. */
const REGULAR = new Set(['file', 'contiguous-file']);

export function isRegularFile(type: string | null | undefined): boolean {
  return REGULAR.has(type ?? 'file');
}

/** What the first entry of an archive says the requested path is, in the words of the log line. */
export function resourceKind(type: string | null | undefined): string {
  if (isRegularFile(type)) return 'file';
  return type ?? 'file';
}

/** Where a declared path is read from: relative paths resolve from `/`, as in the original. */
export function containerPath(path: string): string {
  return posix.resolve('/', path);
}

/**
 * The artifact name of one file inside a directory artifact: the artifact's name, then the
 * entry's path without its first component (the directory's own name in the archive), so
 * directory `public/dir` from `/xfoo` with entry `xfoo/wow/bar.txt` gives `public/dir/wow/bar.txt`.
 * Undefined for the directory entry itself and for paths that would climb out of it.
 */
export function entryArtifactName(artifactName: string, entryPath: string): string | undefined {
  const parts = entryPath.split('/').filter((part) => part !== '' && part !== '.');
  const relative = parts.slice(1);
  if (relative.length === 0 || relative.includes('..')) return undefined;
  return `${artifactName.replace(/\/+$/, '')}/${relative.join('/')}`;
}
