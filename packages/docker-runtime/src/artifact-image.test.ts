import { artifactImageName } from './artifact-image.js';

describe('artifact images', () => {
  it('derives one stable, valid local name per task and path', () => {
    const name = artifactImageName('fA2hYz2pQvO6SG2-1e4QXw', 'public/image.tar.zst');
    expect(name).toMatch(/^task-image-[0-9a-f]{32}:latest$/);
    expect(artifactImageName('fA2hYz2pQvO6SG2-1e4QXw', 'public/image.tar.zst')).toBe(name);
    expect(artifactImageName('fA2hYz2pQvO6SG2-1e4QXw', 'public/other.tar')).not.toBe(name);
    expect(artifactImageName('other-task-id-xxxxxxxx', 'public/image.tar.zst')).not.toBe(name);
  });
});
