import { MalformedPayloadError } from '@docker-worker/worker-contract';
import { artifactImageName, compressionOf } from './artifact-image.js';

describe('artifact images', () => {
  it('tells the compression from the path, and refuses other formats naming the field', () => {
    expect(compressionOf('public/image.tar')).toBe('none');
    expect(compressionOf('public/image.tar.zst')).toBe('zstd');
    expect(compressionOf('public/image.tar.lz4')).toBe('lz4');
    expect(() => compressionOf('public/image.tar.gz')).toThrow(MalformedPayloadError);
    expect(() => compressionOf('public/image.tar.gz')).toThrow(/payload\.image\.path "public\/image\.tar\.gz" must end in/);
  });

  it('derives one stable, valid local name per task and path', () => {
    const name = artifactImageName('fA2hYz2pQvO6SG2-1e4QXw', 'public/image.tar.zst');
    expect(name).toMatch(/^task-image-[0-9a-f]{32}:latest$/);
    expect(artifactImageName('fA2hYz2pQvO6SG2-1e4QXw', 'public/image.tar.zst')).toBe(name);
    expect(artifactImageName('fA2hYz2pQvO6SG2-1e4QXw', 'public/other.tar')).not.toBe(name);
    expect(artifactImageName('other-task-id-xxxxxxxx', 'public/image.tar.zst')).not.toBe(name);
  });
});
