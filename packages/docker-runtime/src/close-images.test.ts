import { closeImageNames } from './close-images.js';

const local = ['dw-test/busybox:latest', 'dw-test/busybox:1.36', 'node:20', 'registry.example:5000/team/app:v1', '<none>:<none>', 'ubuntu:22.04'];

describe('closeImageNames', () => {
  it('suggests a typo of a local image, closest first', () => {
    expect(closeImageNames('dw-test/busybx:latest', local)).toEqual(['dw-test/busybox:latest']);
    expect(closeImageNames('nod:20', local)).toEqual(['node:20']);
  });

  it('suggests the other tags of the same repository', () => {
    expect(closeImageNames('dw-test/busybox:1.37', local)).toEqual(['dw-test/busybox:1.36', 'dw-test/busybox:latest']);
  });

  it('compares names without their registry host', () => {
    expect(closeImageNames('localhost:5000/team/app:v2', local)).toEqual(['registry.example:5000/team/app:v1']);
    expect(closeImageNames('127.0.0.1:5555/dw-test/busybox:latest', local)).toEqual(['dw-test/busybox:1.36', 'dw-test/busybox:latest']);
  });

  it('suggests nothing far away, nor untagged images, nor the name itself', () => {
    expect(closeImageNames('postgres:16', local)).toEqual([]);
    expect(closeImageNames('<none>:<none>', local)).toEqual([]);
    expect(closeImageNames('ubuntu:22.04', ['ubuntu:22.04'])).toEqual([]);
  });
});
