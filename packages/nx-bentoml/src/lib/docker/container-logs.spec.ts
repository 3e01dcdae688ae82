import { demultiplexLogs } from './container-logs';

/** One multiplexed frame as the Engine writes it. */
function frame(stream: 1 | 2, text: string): Buffer {
  const payload = Buffer.from(text, 'utf8');
  const header = Buffer.alloc(8);
  header[0] = stream;
  header.writeUInt32BE(payload.length, 4);
  return Buffer.concat([header, payload]);
}

describe('demultiplexLogs', () => {
  it('joins the payloads of stdout and stderr frames in order, without their headers', () => {
    expect(demultiplexLogs(Buffer.concat([frame(1, 'Starting\n'), frame(2, 'warning: x\n'), frame(1, 'ready\n')]))).toBe(
      'Starting\nwarning: x\nready\n',
    );
  });

  it('keeps payload bytes that look like control characters or lengths', () => {
    // A 10-byte payload: its length (0x0a) is a newline, and the payload itself holds \x01.
    expect(demultiplexLogs(frame(1, 'a\x01bcdefghi'))).toBe('a\x01bcdefghi');
    expect(demultiplexLogs(frame(1, 'x'.repeat(300)))).toBe('x'.repeat(300));
  });

  it('keeps a multi-byte character split across frames', () => {
    const euro = Buffer.from('€', 'utf8');
    const split = (bytes: Buffer) => Buffer.concat([Buffer.from([1, 0, 0, 0, 0, 0, 0, bytes.length]), bytes]);
    expect(demultiplexLogs(Buffer.concat([split(euro.subarray(0, 1)), split(euro.subarray(1))]))).toBe('€');
  });

  it('returns what arrived of a truncated last frame', () => {
    expect(demultiplexLogs(frame(1, 'complete line\n').subarray(0, 8 + 8))).toBe('complete');
  });

  it('returns the output of a TTY container as it is', () => {
    expect(demultiplexLogs(Buffer.from('plain output\n'))).toBe('plain output\n');
    expect(demultiplexLogs(Buffer.alloc(0))).toBe('');
  });
});
