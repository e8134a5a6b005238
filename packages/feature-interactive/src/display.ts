/**
 * The display (VNC) side of interactive sessions, as plain functions: which display a client
 * asks for, the x11vnc command that serves it over the exec's stdin/stdout (`-inetd`: no port is
 * opened in the container), the container's display listing, and how a refusal is told to a VNC
 * client (noVNC shows the reason of an RFB security failure).
 */

/** An X display as a client names it: `:0`, or `:0.1` for a screen of it. */
const DISPLAY_NAME = /^:\d{1,4}(\.\d{1,2})?$/;

export interface DisplayRequest {
  display: string;
}

/** The display from the socket URL's `display` query parameter (the UI sends `?display=:0`). */
export function parseDisplayRequest(query: URLSearchParams): DisplayRequest | { problem: string } {
  const display = query.get('display');
  if (display === null || display === '') return { problem: 'display is missing: ask for one, as ?display=:0' };
  if (!DISPLAY_NAME.test(display)) return { problem: `display must name an X display such as :0, not ${JSON.stringify(display.slice(0, 40))}` };
  return { display };
}

/**
 * x11vnc serving `display` to the one client on its stdin/stdout, without a password (the
 * socket URL is the secret). `-inetd` wants its stdin and stdout to be one socket (it writes to
 * fd 0), which an exec's pipes are not: `init --inetd` gives it a socket pair and copies bytes.
 */
export function x11vncCommand(init: string, display: string, desktopName: string): string[] {
  return [init, '--inetd', '--', 'x11vnc', '-inetd', '-display', display, '-nopw', '-norc', '-desktop', desktopName];
}

/** One entry of the display listing, as the UI's display page reads it. */
export interface ListedDisplay {
  display: string;
}

/** `dw-init --list-displays` prints one display a line; sorted by number, so `:0` comes first. */
export function parseDisplayListing(stdout: string): ListedDisplay[] {
  const displays = stdout
    .split('\n')
    .map((line) => line.trim())
    .filter((line) => DISPLAY_NAME.test(line));
  return [...new Set(displays)].sort((a, b) => Number(a.slice(1)) - Number(b.slice(1))).map((display) => ({ display }));
}

/** What a display session that ended before x11vnc spoke means, for the person at the VNC client. */
export function explainDisplayFailure(display: string, exitCode: number | undefined, stderr: string): string {
  const said = stderr.replace(/\s+/g, ' ').trim();
  if (exitCode === 126 || exitCode === 127 || /executable file not found|cannot run x11vnc|x11vnc: (command )?not found/i.test(said)) {
    return "x11vnc is not on the task image's PATH: the display needs x11vnc and an X server (such as Xvfb) in the image; the shell still works";
  }
  const opened = /XOpenDisplay|cannot open display|unable to open display/i.test(said);
  if (opened) return `x11vnc cannot open display ${display}: is an X server running on it? (see the display listing)`;
  const tail = said.length > 300 ? `…${said.slice(-300)}` : said;
  return `x11vnc exited${exitCode === undefined ? '' : ` with code ${exitCode}`} before serving ${display}${tail ? `: ${tail}` : ''}`;
}

/** The RFB version a refusal is told in: 3.8, the one whose failure carries a reason noVNC shows. */
export const RFB_VERSION = Buffer.from('RFB 003.008\n', 'latin1');
/** A client's ProtocolVersion answer: 12 bytes. */
export const RFB_VERSION_LENGTH = 12;

/** The server's security types message with no type: the connection failed, for `reason`. */
export function rfbFailure(reason: string): Buffer {
  const text = Buffer.from(reason, 'utf8');
  const head = Buffer.alloc(5);
  head.writeUInt8(0, 0);
  head.writeUInt32BE(text.length, 1);
  return Buffer.concat([head, text]);
}
