import { interactiveServerConfig, shellPageUrl } from './interactive-config.js';

describe('interactive settings', () => {
  it('listens on loopback for a loopback host name, everywhere otherwise; any free port by default', () => {
    expect(interactiveServerConfig({}, { publicHostname: 'localhost' })).toEqual({ host: '127.0.0.1', port: 0, publicHostname: 'localhost' });
    expect(interactiveServerConfig({ port: 62022 }, { publicHostname: 'worker-1.example.com' })).toEqual({ host: '0.0.0.0', port: 62022, publicHostname: 'worker-1.example.com' });
    const tls = { certificate: '/c', key: '/k' };
    expect(interactiveServerConfig({ publicHostname: 'w.example.com', host: '10.0.0.1', tls }, { publicHostname: 'localhost' })).toEqual({ host: '10.0.0.1', port: 0, publicHostname: 'w.example.com', tls });
  });

  it('the shell page URL carries socketUrl, taskId and runId, encoded', () => {
    const url = new URL(shellPageUrl('https://tc.example.com/shell/', { socketUrl: 'wss://w:1/abc/shell.sock', taskId: 'T', runId: 2 }));
    expect(url.origin + url.pathname).toBe('https://tc.example.com/shell/');
    expect(Object.fromEntries(url.searchParams)).toEqual({ socketUrl: 'wss://w:1/abc/shell.sock', taskId: 'T', runId: '2' });
  });
});
