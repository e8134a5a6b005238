import { displayPageUrl } from './interactive-config.js';
import { explainDisplayFailure, parseDisplayListing, parseDisplayRequest, rfbFailure, x11vncCommand } from './display.js';

describe('display sessions, as plain logic', () => {
  it('takes an X display name from the query and nothing that x11vnc could read as an option', () => {
    expect(parseDisplayRequest(new URLSearchParams('display=:0'))).toEqual({ display: ':0' });
    expect(parseDisplayRequest(new URLSearchParams('display=:12.1'))).toEqual({ display: ':12.1' });
    expect(parseDisplayRequest(new URLSearchParams(''))).toEqual({ problem: expect.stringMatching(/display is missing/) });
    for (const bad of ['-rfbport', ':0 -shared', 'host:0', ':', ':a']) {
      expect(parseDisplayRequest(new URLSearchParams({ display: bad }))).toEqual({ problem: expect.stringMatching(/display must name an X display/) });
    }
  });

  it('runs x11vnc -inetd on the display, through the init\'s socket-pair bridge, named for the run', () => {
    expect(x11vncCommand('/init', ':1', 'n')).toEqual(['/init', '--inetd', '--', 'x11vnc', '-inetd', '-display', ':1', '-nopw', '-norc', '-desktop', 'n']);
  });

  it('lists displays in order, once each, ignoring anything that is not one', () => {
    expect(parseDisplayListing(':10\n:0\n\n:0\ngarbage\n:2\n')).toEqual([{ display: ':0' }, { display: ':2' }, { display: ':10' }]);
    expect(parseDisplayListing('')).toEqual([]);
  });

  it('explains why x11vnc did not serve: not installed, no display, or what it said', () => {
    expect(explainDisplayFailure(':0', 127, 'dw-init: cannot run x11vnc: No such file or directory\n')).toMatch(/x11vnc is not on the task image's PATH.*Xvfb.*shell still works/);
    expect(explainDisplayFailure(':3', 1, '02/12 XOpenDisplay(":3") failed.\n')).toBe('x11vnc cannot open display :3: is an X server running on it? (see the display listing)');
    expect(explainDisplayFailure(':0', 2, 'bad\n  thing')).toBe('x11vnc exited with code 2 before serving :0: bad thing');
    expect(explainDisplayFailure(':0', undefined, 'x'.repeat(400))).toMatch(/^x11vnc exited before serving :0: …x{300}$/);
  });

  it('a refusal is RFB 3.8 security types: none, then the reason', () => {
    const bytes = rfbFailure('nö');
    expect([...bytes]).toEqual([0, 0, 0, 0, 3, ...Buffer.from('nö')]);
  });

  it('the display page URL carries v, socketUrl, displaysUrl, taskId and runId, encoded', () => {
    const url = new URL(displayPageUrl('https://tc.example.com/display/', { socketUrl: 'wss://w:1/abc/display.sock', displaysUrl: 'https://w:1/abc/displays', taskId: 'T', runId: 0 }));
    expect(url.origin + url.pathname).toBe('https://tc.example.com/display/');
    expect(Object.fromEntries(url.searchParams)).toEqual({ v: '1', socketUrl: 'wss://w:1/abc/display.sock', displaysUrl: 'https://w:1/abc/displays', taskId: 'T', runId: '0' });
  });
});
