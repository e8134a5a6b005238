import { parseImageReference } from './image-reference.js';
import { credentialsFor } from './registry-credentials.js';

const alice = { username: 'alice', password: 'a-secret' };
const bob = { username: 'bob', password: 'b-secret' };
const hub = 'registry.hub.docker.com';

describe('credentialsFor', () => {
  it('prefers host/user over host, and uses the default registry for bare names', () => {
    const registries = { 'registry.example.com': alice, 'registry.example.com/team': bob, [`${hub}/mozilla`]: alice };
    expect(credentialsFor(parseImageReference('registry.example.com/team/app:1'), registries, hub)).toEqual({
      registry: 'registry.example.com',
      credentials: bob,
      scope: 'docker-worker:image:registry.example.com/team/app:1',
    });
    expect(credentialsFor(parseImageReference('registry.example.com/other/app'), registries, hub)?.credentials).toBe(alice);
    expect(credentialsFor(parseImageReference('registry.example.com/app'), registries, hub)?.credentials).toBe(alice);
    expect(credentialsFor(parseImageReference('mozilla/taskgraph:v1'), registries, hub)).toEqual({
      registry: hub,
      credentials: alice,
      scope: 'docker-worker:image:mozilla/taskgraph:v1',
    });
  });

  it('accepts a host/ key and returns nothing when no key matches', () => {
    expect(credentialsFor(parseImageReference('127.0.0.1:5000/x/y'), { '127.0.0.1:5000/': bob }, hub)?.credentials).toBe(bob);
    expect(credentialsFor(parseImageReference('ubuntu:22.04'), { 'registry.example.com': alice }, hub)).toBeUndefined();
    expect(credentialsFor(parseImageReference('127.0.0.1:5000/x/y'), { 'registry.example.com': alice }, hub)).toBeUndefined();
  });
});
