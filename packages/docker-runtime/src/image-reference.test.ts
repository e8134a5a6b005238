import { describe, expect, it } from '@jest/globals';
import { MalformedPayloadError } from '@docker-worker/worker-contract';
import { parseImageReference } from './image-reference.js';

const DIGEST = `sha256:${'a'.repeat(64)}`;

describe('parseImageReference', () => {
  it.each([
    ['busybox', { repository: 'busybox', name: 'busybox:latest', ref: 'busybox:latest' }],
    ['library/busybox:1.36', { repository: 'library/busybox', tag: '1.36', name: 'library/busybox:1.36', ref: 'library/busybox:1.36' }],
    ['127.0.0.1:5000/a/b', { repository: '127.0.0.1:5000/a/b', name: '127.0.0.1:5000/a/b:latest', ref: '127.0.0.1:5000/a/b:latest' }],
    ['localhost:5000/a:v1', { repository: 'localhost:5000/a', tag: 'v1', name: 'localhost:5000/a:v1', ref: 'localhost:5000/a:v1' }],
    ['Registry.Example.com/x__y-z.w', { repository: 'Registry.Example.com/x__y-z.w', name: 'Registry.Example.com/x__y-z.w:latest', ref: 'Registry.Example.com/x__y-z.w:latest' }],
    [`ubuntu@${DIGEST}`, { repository: 'ubuntu', digest: DIGEST, name: `ubuntu@${DIGEST}`, ref: `ubuntu@${DIGEST}` }],
    [`ubuntu:22.04@${DIGEST}`, { repository: 'ubuntu', tag: '22.04', digest: DIGEST, name: `ubuntu:22.04@${DIGEST}`, ref: `ubuntu@${DIGEST}` }],
    ['a'.repeat(255), { repository: 'a'.repeat(255), name: `${'a'.repeat(255)}:latest`, ref: `${'a'.repeat(255)}:latest` }],
  ])('%s', (input, expected) => {
    expect(parseImageReference(input)).toEqual(expected);
  });

  it.each([
    ['', /empty/],
    ['bad name', /white space/],
    ['Ubuntu', /"Ubuntu" is not a valid repository name component/],
    ['ubuntu:', /"" is not a valid tag/],
    ['ubuntu:-x', /not a valid tag/],
    ['ubuntu@sha256:short', /not a digest/],
    ['a//b', /repository name component/],
    ['bad_host.example.com:5000/x', /not a valid registry host/],
    ['host.example.com:port/x', /not a valid registry host/],
    ['a'.repeat(300), /the repository name is 300 characters long; Docker allows at most 255/],
    [`registry.example.com/${'a'.repeat(240)}:v1`, /the repository name is 261 characters long/],
    ['busy\u0000box', /repository name component/],
    ['busybox:la\u0000test', /not a valid tag/],
  ])('refuses %j', (input, message) => {
    let error: unknown;
    try {
      parseImageReference(input);
    } catch (err) {
      error = err;
    }
    expect(error).toBeInstanceOf(MalformedPayloadError);
    expect((error as MalformedPayloadError).problems[0]).toMatch(/^payload\.image: /);
    expect((error as MalformedPayloadError).problems[0]).toMatch(message);
  });
});
