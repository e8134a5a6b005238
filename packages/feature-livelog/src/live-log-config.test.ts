import { validateFeatureSection } from '@docker-worker/schema';
import { liveLogConfigSchema, liveLogServerConfig } from './live-log-config.js';

const defaults = { publicHostname: 'localhost' };

describe('features.localLiveLog settings', () => {
  it('nothing set: any free port, the worker host in URLs, loopback only for a loopback host', () => {
    expect(liveLogServerConfig({}, defaults)).toEqual({ host: '127.0.0.1', port: 0, publicHostname: 'localhost' });
    expect(liveLogServerConfig({}, { publicHostname: '127.0.0.1' }).host).toBe('127.0.0.1');
    expect(liveLogServerConfig({}, { publicHostname: 'worker-1.example.com' })).toEqual({ host: '0.0.0.0', port: 0, publicHostname: 'worker-1.example.com' });
  });

  it('publicHostname decides the default bind address, an explicit host wins', () => {
    expect(liveLogServerConfig({ publicHostname: 'w.example.com' }, defaults).host).toBe('0.0.0.0');
    expect(liveLogServerConfig({ publicHostname: 'w.example.com', host: '10.0.0.5' }, defaults).host).toBe('10.0.0.5');
  });

  it('tls: both paths', () => {
    expect(liveLogServerConfig({ tls: { certificate: '/c.pem', key: '/k.pem' } }, defaults).tls).toEqual({ certificate: '/c.pem', key: '/k.pem' });
  });

  describe('the schema the worker checks the section against', () => {
    const check = (section: unknown) => validateFeatureSection('localLiveLog', liveLogConfigSchema, section);

    it('takes a port given as a string of digits (an environment override) as a number, and enabled', () => {
      expect(check({ port: '60023', enabled: false })).toEqual({ ok: true, value: { port: 60023, enabled: false } });
    });

    it('names every bad key', () => {
      const result = check({ port: 70000, host: ' ', publicHostname: 3, tls: { certificate: '/c.pem', extra: 1 }, bogus: true });
      const messages = result.ok ? [] : result.problems.map((p) => p.message).join('\n');
      for (const key of ['.port ', '.host ', '.publicHostname ', '.tls.key ', '.tls.extra ', '.bogus ']) expect(messages).toContain(`features.localLiveLog${key}`);
    });

    it.each([[-1], [1.5], ['80a'], [true]])('refuses port %p', (port) => {
      expect(check({ port }).ok).toBe(false);
    });
  });
});
