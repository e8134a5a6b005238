/**
 * `TaskFiles.archive()` of a path the finished task does not have: an artifact feature turns it
 * into an error artifact (`file-missing-on-worker`) instead of failing the run. Callers tell it
 * by its `code`, so a host's own error class with `code: 'ENOENT'` does as well.
 */
export class PathNotFoundError extends Error {
  readonly code = 'ENOENT';
  constructor(
    readonly path: string,
    message = `Could not find ${path} among the task's files`,
  ) {
    super(message);
    this.name = 'PathNotFoundError';
  }
}
