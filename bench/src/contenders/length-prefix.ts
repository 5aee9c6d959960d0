/**
 * The hand-rolled framing a careful user writes in an afternoon: a 4-byte big-endian length, then
 * a UTF-8 JSON body, one `socket.write()` per message. It is the baseline sockwire is measured
 * against, so it is written to be reasonable, not naive: the receive side concatenates only when a
 * frame spans chunks, and it caps the frame size.
 */

/** Largest body accepted, as any sane framing would cap it. */
const MAX_BODY_BYTES = 1024 * 1024;

/** One frame (prefix + JSON body) in one buffer, ready for a single write. */
export function encodeJsonFrame(value: unknown): Buffer {
  const json = JSON.stringify(value);
  const length = Buffer.byteLength(json);
  const frame = Buffer.allocUnsafe(4 + length);
  frame.writeUInt32BE(length, 0);
  frame.write(json, 4, "utf8");
  return frame;
}

/** Splits a byte stream into frame bodies and hands each one, parsed as JSON, to `onMessage`. */
export class JsonFrameReader {
  private pending: Buffer | undefined;

  constructor(private readonly onMessage: (value: unknown) => void) {}

  push(chunk: Buffer): void {
    const buf = this.pending ? Buffer.concat([this.pending, chunk]) : chunk;
    this.pending = undefined;
    let at = 0;
    while (buf.length - at >= 4) {
      const length = buf.readUInt32BE(at);
      if (length > MAX_BODY_BYTES) throw new Error(`frame of ${length} bytes is over the limit`);
      if (buf.length - at - 4 < length) break;
      const text = buf.toString("utf8", at + 4, at + 4 + length);
      at += 4 + length;
      this.onMessage(JSON.parse(text));
    }
    if (at < buf.length) this.pending = at === 0 ? buf : buf.subarray(at);
  }
}
