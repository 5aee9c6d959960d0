import { DEFAULT_MAX_FRAME_BYTES, encodeFrame, FrameDecoder } from "@sockwire/protocol";
import { expect, test } from "vitest";
import { collectGarbage } from "../src/resources.js";

const MiB = 1024 * 1024;

// Case 4's memory criterion, measured where it is decided: a legal 1 MiB frame arriving one byte
// per chunk (about a million chunks; a socket would need minutes to deliver them) must not make the
// decoder hold more than twice the frame, nor more than its chunk cap. The socket-level halves
// of case 4 (frame deadline, retained chunks through a server and a client) run elsewhere.

test("a 1 MiB frame trickled one byte per chunk: at most 1024 chunks held, live memory under 2 x the frame, the frame intact", () => {
  const body = Buffer.alloc(DEFAULT_MAX_FRAME_BYTES - 16, 0x61);
  const frame = encodeFrame(body);
  const decoder = new FrameDecoder();
  collectGarbage();
  const base = process.memoryUsage().arrayBuffers;
  let maxRetained = 0;
  let maxLive = 0;
  let out: Buffer | undefined;
  for (let i = 0; i < frame.length; i++) {
    decoder.push(frame.subarray(i, i + 1));
    out ??= decoder.next();
    if (decoder.retainedChunks > maxRetained) maxRetained = decoder.retainedChunks;
    if (i % (64 * 1024) === 0) {
      collectGarbage();
      maxLive = Math.max(maxLive, process.memoryUsage().arrayBuffers - base);
    }
  }
  console.info(
    `case 4: 1 MiB frame in ${frame.length} one-byte chunks: at most ${maxRetained} chunks held, live arrayBuffers at most +${(maxLive / MiB).toFixed(2)} MiB`,
  );
  expect(out?.equals(body)).toBe(true);
  expect(maxRetained).toBeLessThanOrEqual(1024);
  expect(maxLive).toBeLessThan(2 * frame.length);
  expect(decoder.bufferedBytes).toBe(0);
});
