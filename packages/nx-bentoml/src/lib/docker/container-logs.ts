/**
 * The text of a container's logs as the Engine returns them. Without a TTY, stdout and stderr are
 * multiplexed into frames: 1 byte stream type (0 stdin, 1 stdout, 2 stderr), 3 zero bytes and a
 * big-endian uint32 payload length, then the payload. With a TTY the bytes are the raw output.
 */
export function demultiplexLogs(buffer: Buffer): string {
  if (!startsWithFrameHeader(buffer, 0)) return buffer.toString('utf8');
  const payloads: Buffer[] = [];
  let offset = 0;
  while (offset + frameHeaderLength <= buffer.length && startsWithFrameHeader(buffer, offset)) {
    const length = buffer.readUInt32BE(offset + 4);
    const start = offset + frameHeaderLength;
    payloads.push(buffer.subarray(start, Math.min(start + length, buffer.length)));
    offset = start + length;
  }
  return Buffer.concat(payloads).toString('utf8');
}

const frameHeaderLength = 8;

function startsWithFrameHeader(buffer: Buffer, offset: number): boolean {
  return (
    buffer.length >= offset + frameHeaderLength &&
    buffer[offset] <= 2 &&
    buffer[offset + 1] === 0 &&
    buffer[offset + 2] === 0 &&
    buffer[offset + 3] === 0
  );
}
