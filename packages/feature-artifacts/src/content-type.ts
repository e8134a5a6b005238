import mime from 'mime';

export const DEFAULT_CONTENT_TYPE = 'application/octet-stream';

/** The content type an artifact is served with, from its name's extension, as the original did. */
export function contentTypeFor(name: string): string {
  return mime.getType(name) ?? DEFAULT_CONTENT_TYPE;
}
