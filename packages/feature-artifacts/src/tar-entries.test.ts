import { containerPath, entryArtifactName, isRegularFile, resourceKind } from './tar-entries.js';

describe('entryArtifactName', () => {
  it.each([
    ['public/dir', 'xfoo/wow/bar.txt', 'public/dir/wow/bar.txt'],
    ['public/dir/', 'xfoo/a.txt', 'public/dir/a.txt'],
    ['public/dir', './xfoo/a.txt', 'public/dir/a.txt'],
    ['public/dir', 'xfoo/', undefined],
    ['public/dir', 'xfoo', undefined],
    ['public/dir', 'xfoo/../../etc/passwd', undefined],
    ['public/dir', 'xfoo//double//slash.txt', 'public/dir/double/slash.txt'],
  ])('%s + %s → %s', (name, entry, expected) => {
    expect(entryArtifactName(name, entry)).toBe(expected);
  });
});

describe('tar entry types', () => {
  it('counts plain and contiguous files as regular, nothing else', () => {
    expect(isRegularFile('file')).toBe(true);
    expect(isRegularFile('contiguous-file')).toBe(true);
    for (const type of ['directory', 'symlink', 'link', 'fifo', 'character-device', 'block-device']) expect(isRegularFile(type)).toBe(false);
    expect(resourceKind('contiguous-file')).toBe('file');
    expect(resourceKind('symlink')).toBe('symlink');
  });

  it('resolves declared paths from /', () => {
    expect(containerPath('username.txt')).toBe('/username.txt');
    expect(containerPath('/builds/out/')).toBe('/builds/out');
    expect(containerPath('a/../b')).toBe('/b');
  });
});
