import { mkdir, readFile, rename, writeFile } from 'node:fs/promises';
import { dirname } from 'node:path';

interface TrackedImage {
  id: string;
  name: string;
  lastUsed: number;
  /** sha256 of the artifact an artifact image was loaded from. */
  artifactSha256?: string;
}

/**
 * The images this worker pulled, with when a task last used each, kept in a file so a
 * restarted worker still knows what it may clean up. Images it did not pull (an operator's,
 * a test's) are never tracked, so never garbage-collected.
 */
export class ImageTracker {
  #file: string | undefined;
  #images = new Map<string, TrackedImage>();
  #loaded: Promise<void> | undefined;
  #writing: Promise<void> = Promise.resolve();

  constructor(file?: string) {
    this.#file = file;
  }

  async tracked(): Promise<TrackedImage[]> {
    await this.#load();
    return [...this.#images.values()];
  }

  async has(id: string): Promise<boolean> {
    await this.#load();
    return this.#images.has(id);
  }

  async get(id: string): Promise<TrackedImage | undefined> {
    await this.#load();
    return this.#images.get(id);
  }

  async touch(id: string, name: string, artifactSha256?: string): Promise<void> {
    await this.#load();
    this.#images.set(id, { id, name, lastUsed: Date.now(), ...(artifactSha256 && { artifactSha256 }) });
    await this.#save();
  }

  async forget(id: string): Promise<void> {
    await this.#load();
    this.#images.delete(id);
    await this.#save();
  }

  #load(): Promise<void> {
    this.#loaded ??= (async () => {
      if (!this.#file) return;
      try {
        for (const image of JSON.parse(await readFile(this.#file, 'utf8')) as TrackedImage[]) this.#images.set(image.id, image);
      } catch {
        // Nothing tracked yet.
      }
    })();
    return this.#loaded;
  }

  #save(): Promise<void> {
    const file = this.#file;
    if (!file) return Promise.resolve();
    const snapshot = JSON.stringify([...this.#images.values()]);
    // Writes are chained so an older snapshot never lands after a newer one.
    this.#writing = this.#writing.then(async () => {
      await mkdir(dirname(file), { recursive: true });
      await writeFile(`${file}.tmp`, snapshot);
      await rename(`${file}.tmp`, file);
    });
    return this.#writing;
  }
}
