// The web view's page and its scripts and styles: plain files shipped in the package's `web/`
// directory (no build step), found next to the code whether it runs from src/ or dist/.

import { readdir, readFile } from 'node:fs/promises';
import { extname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

/** `<package>/web/`: two levels up from `src/web-view/` and from `dist/web-view/` alike. */
export const WEB_DIR = fileURLToPath(new URL('../../web/', import.meta.url));

/** Where the page's meta tag holds the per-server token its POSTs must carry. */
const TOKEN_PLACEHOLDER = '__WEBVIEW_TOKEN__';

const CONTENT_TYPES: Readonly<Record<string, string>> = {
  '.html': 'text/html; charset=utf-8',
  '.js': 'text/javascript; charset=utf-8',
  '.css': 'text/css; charset=utf-8',
  '.svg': 'image/svg+xml',
};

export interface Asset {
  body: Buffer;
  contentType: string;
}

/** The files of `web/`, read once when the queue starts: the set of names is fixed, nothing else can be asked for. */
export class StaticAssets {
  private constructor(
    private readonly files: ReadonlyMap<string, Asset>,
    readonly page: Buffer,
  ) {}

  static async load(token: string, dir: string = WEB_DIR): Promise<StaticAssets> {
    const files = new Map<string, Asset>();
    for (const name of await readdir(dir)) {
      const contentType = CONTENT_TYPES[extname(name)];
      if (contentType) files.set(name, { body: await readFile(join(dir, name)), contentType });
    }
    const index = files.get('index.html');
    if (!index) throw new Error(`the web view's index.html is missing from ${dir}`);
    const page = Buffer.from(index.body.toString('utf8').replace(TOKEN_PLACEHOLDER, token), 'utf8');
    return new StaticAssets(files, page);
  }

  get(name: string): Asset | undefined {
    return name === 'index.html' ? undefined : this.files.get(name);
  }
}
