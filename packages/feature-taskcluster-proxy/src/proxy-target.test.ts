import { proxyTarget, serviceUrl } from './proxy-target.js';

const root = 'https://tc.example.com';

describe('proxyTarget', () => {
  it('maps the root-URL form onto the root URL', () => {
    expect(proxyTarget(root, '/api/queue/v1/task/abc')).toEqual({ url: 'https://tc.example.com/api/queue/v1/task/abc' });
  });

  it('maps the shortcut form, keeping the query string', () => {
    expect(proxyTarget(root, '/index/v1/tasks/a.b?limit=5&continuationToken=x%2Fy')).toEqual({
      url: 'https://tc.example.com/api/index/v1/tasks/a.b?limit=5&continuationToken=x%2Fy',
    });
  });

  it('keeps an empty path after the version and encoded segments as they came', () => {
    expect(proxyTarget(root, '/queue/v1/')).toEqual({ url: 'https://tc.example.com/api/queue/v1/' });
    expect(proxyTarget(root, '/api/queue/v1/task/abc/artifacts/public%2Flogs%2Fx')).toEqual({
      url: 'https://tc.example.com/api/queue/v1/task/abc/artifacts/public%2Flogs%2Fx',
    });
  });

  it('maps the hostname form for the deployment host, port included', () => {
    expect(proxyTarget(root, '/tc.example.com/api/queue/v1/ping')).toEqual({ url: 'https://tc.example.com/api/queue/v1/ping' });
    expect(proxyTarget('http://127.0.0.1:8080/', '/127.0.0.1:8080/api/auth/v1/ping?x=1')).toEqual({ url: 'http://127.0.0.1:8080/api/auth/v1/ping?x=1' });
  });

  it('refuses other hosts, naming the forms it knows', () => {
    const target = proxyTarget(root, '/evil.example.org/api/queue/v1/task/abc');
    expect(target).toEqual({ error: expect.stringMatching(/signed for tc\.example\.com only/) });
    expect(proxyTarget(root, '/')).toHaveProperty('error');
    expect(proxyTarget(root, '/api/queue/task')).toHaveProperty('error');
  });

  it('maps the legacy taskcluster.net deployment onto its service hostnames', () => {
    expect(serviceUrl('https://taskcluster.net', 'queue', 'v1', 'task/a')).toBe('https://queue.taskcluster.net/v1/task/a');
    expect(proxyTarget('https://taskcluster.net', '/queue.taskcluster.net/v1/task/a')).toEqual({ url: 'https://queue.taskcluster.net/v1/task/a' });
  });
});
