import { MESSAGE, decodeClientMessage, frame, parseSessionRequest, stoppedFrame } from './protocol.js';

describe('the docker-exec protocol', () => {
  it('decodes what the client sends: stdin bytes as they are, resize as LE rows and columns, flow control, end', () => {
    expect(decodeClientMessage(Buffer.from([MESSAGE.stdin, 0xfa, 0xff, 0x0a]))).toEqual({ type: 'stdin', data: Buffer.from([0xfa, 0xff, 0x0a]) });
    const resize = Buffer.alloc(5);
    resize[0] = MESSAGE.resize;
    resize.writeUInt16LE(40, 1);
    resize.writeUInt16LE(132, 3);
    expect(decodeClientMessage(resize)).toEqual({ type: 'resize', rows: 40, columns: 132 });
    expect(decodeClientMessage(Buffer.from([MESSAGE.pause]))).toEqual({ type: 'pause' });
    expect(decodeClientMessage(Buffer.from([MESSAGE.resume]))).toEqual({ type: 'resume' });
    expect(decodeClientMessage(Buffer.from([MESSAGE.end]))).toEqual({ type: 'end' });
  });

  it('names what it cannot decode', () => {
    expect(decodeClientMessage(Buffer.alloc(0))).toEqual({ type: 'invalid', reason: 'an empty message' });
    expect(decodeClientMessage(Buffer.from([MESSAGE.resize, 1]))).toEqual({ type: 'invalid', reason: 'a resize message of 2 bytes (5 expected)' });
    expect(decodeClientMessage(Buffer.from([7]))).toEqual({ type: 'invalid', reason: 'unknown message type 7' });
  });

  it('frames what the server sends; the exit code is one byte', () => {
    expect(frame(MESSAGE.stdout, Buffer.from([0, 255]))).toEqual(Buffer.from([1, 0, 255]));
    expect(frame(MESSAGE.error, 'bad')).toEqual(Buffer.from([202, 0x62, 0x61, 0x64]));
    expect(frame(MESSAGE.resume)).toEqual(Buffer.from([100]));
    expect(stoppedFrame(7)).toEqual(Buffer.from([200, 7]));
    // The client reads it as a signed byte: 255 comes back as -1, as from the original.
    expect(stoppedFrame(255).readInt8(1)).toBe(-1);
  });

  it('reads the command (one parameter per argument) and tty from the query', () => {
    expect(parseSessionRequest(new URLSearchParams('tty=true&command=sh&command=-c&command=echo%20hi'))).toEqual({ command: ['sh', '-c', 'echo hi'], tty: true });
    expect(parseSessionRequest(new URLSearchParams('tty=false&command=cat'))).toEqual({ command: ['cat'], tty: false });
    expect(parseSessionRequest(new URLSearchParams(''))).toEqual({ command: ['sh'], tty: false });
    expect(parseSessionRequest(new URLSearchParams('tty=yes'))).toEqual({ problem: 'tty must be true or false, not "yes"' });
  });
});
