import { afterEach, describe, expect, test, vi } from "vitest";
import {
  DEFAULT_MAX_FRAME_BYTES,
  ErrorCode,
  encodeFrame,
  FrameDecoder,
  framePrefix,
  MAX_FRAME_BYTES_LIMIT,
} from "../src/index.js";

// Matrix named after tokio-util's length_delimited tests: read_<what>_<how it arrives>.

const hex = (text: string): Buffer => Buffer.from(text.replace(/\s+/g, ""), "hex");
const body = (n: number, seed = 1): Buffer =>
  Buffer.from(Array.from({ length: n }, (_, i) => (i * 31 + seed) & 0xff));

/** Pushes every chunk, draining after each one; returns the frames (as hex) and the decoder. */
function run(chunks: Buffer[], options?: ConstructorParameters<typeof FrameDecoder>[0]) {
  const decoder = new FrameDecoder(options);
  const frames: string[] = [];
  for (const chunk of chunks) {
    decoder.push(chunk);
    for (let f = decoder.next(); f !== undefined; f = decoder.next())
      frames.push(f.toString("hex"));
  }
  return { decoder, frames };
}

/** Splits `bytes` into pieces of `size` bytes. */
function pieces(bytes: Buffer, size: number): Buffer[] {
  const out: Buffer[] = [];
  for (let i = 0; i < bytes.length; i += size) out.push(bytes.subarray(i, i + size));
  return out;
}

afterEach(() => {
  vi.restoreAllMocks();
});

describe("FrameDecoder matrix", () => {
  test("read_empty_stream", () => {
    const { decoder, frames } = run([]);
    expect(frames).toEqual([]);
    expect(decoder.state).toBe("header");
    expect(decoder.end()).toBeUndefined();
  });

  test("read_single_frame_one_packet", () => {
    const { decoder, frames } = run([hex("00000003 616263")]);
    expect(frames).toEqual(["616263"]);
    expect(decoder.bufferedBytes).toBe(0);
    expect(decoder.end()).toBeUndefined();
  });

  test("read_single_frame_length_0", () => {
    const { decoder, frames } = run([hex("00000000")]);
    expect(frames).toEqual([""]);
    expect(decoder.state).toBe("header");
    expect(decoder.end()).toBeUndefined();
  });

  test("read_single_multi_frame_one_packet", () => {
    const { frames } = run([hex("00000001 aa 00000000 00000002 bbcc 00000001 dd")]);
    expect(frames).toEqual(["aa", "", "bbcc", "dd"]);
  });

  test("read_single_frame_multi_packet", () => {
    const { frames } = run([hex("0000"), hex("0005 6865"), hex("6c"), hex("6c6f")]);
    expect(frames).toEqual(["68656c6c6f"]);
  });

  test("read_multi_frame_multi_packet", () => {
    const { frames } = run([
      hex("00000002 01"),
      hex("02 0000"),
      hex("0003 030405 00"),
      hex("000001 06"),
    ]);
    expect(frames).toEqual(["0102", "030405", "06"]);
  });

  test("read_single_frame_one_byte_trickle", () => {
    const frame = encodeFrame(body(300));
    const { decoder, frames } = run(pieces(frame, 1));
    expect(frames).toEqual([body(300).toString("hex")]);
    expect(decoder.bufferedBytes).toBe(0);
  });

  test("read_multi_frame_one_byte_trickle", () => {
    const stream = Buffer.concat([
      encodeFrame(body(5)),
      encodeFrame(Buffer.alloc(0)),
      encodeFrame(body(9, 7)),
    ]);
    const { frames } = run(pieces(stream, 1));
    expect(frames).toEqual([body(5).toString("hex"), "", body(9, 7).toString("hex")]);
  });

  test("read_zero_byte_chunks_are_ignored", () => {
    const empty = Buffer.alloc(0);
    const { decoder, frames } = run([empty, hex("0000"), empty, empty, hex("0001 7a"), empty]);
    expect(frames).toEqual(["7a"]);
    expect(decoder.retainedChunks).toBe(0);
  });

  test("read_incomplete_head", () => {
    const { decoder, frames } = run([hex("0000")]);
    expect(frames).toEqual([]);
    expect(decoder.state).toBe("header");
    expect(decoder.hasPartialFrame).toBe(true);
    expect(decoder.end()?.code).toBe(ErrorCode.FRAME_TRUNCATED);
    expect(decoder.state).toBe("errored");
  });

  test("read_incomplete_head_multi_packet", () => {
    const { decoder } = run([hex("00"), hex("00"), hex("01")]);
    expect(decoder.end()?.code).toBe(ErrorCode.FRAME_TRUNCATED);
  });

  test("read_eof_right_after_head", () => {
    // The prefix is consumed and nothing of the body is held: still a partial frame.
    const { decoder, frames } = run([hex("00000005")]);
    expect(frames).toEqual([]);
    expect(decoder.state).toBe("body");
    expect(decoder.bufferedBytes).toBe(0);
    expect(decoder.hasPartialFrame).toBe(true);
    expect(decoder.end()?.code).toBe(ErrorCode.FRAME_TRUNCATED);
  });

  test("read_incomplete_payload", () => {
    const { decoder, frames } = run([hex("00000001 aa 00000004 0102")]);
    expect(frames).toEqual(["aa"]);
    expect(decoder.state).toBe("body");
    const error = decoder.end();
    expect(error?.code).toBe(ErrorCode.FRAME_TRUNCATED);
    expect(error?.details).toEqual({ bufferedBytes: 2 });
    expect(decoder.end()).toBe(error);
  });

  test("read_max_frame_len", () => {
    const { decoder, frames } = run([encodeFrame(body(64))], { maxFrameBytes: 64 });
    expect(frames).toEqual([body(64).toString("hex")]);
    expect(decoder.error).toBeUndefined();
  });

  test("read_max_frame_len_default_limit", () => {
    const payload = body(DEFAULT_MAX_FRAME_BYTES);
    const { decoder, frames } = run(pieces(encodeFrame(payload), 64 * 1024));
    expect(frames).toHaveLength(1);
    expect(frames[0]).toBe(payload.toString("hex"));
    expect(decoder.error).toBeUndefined();
  });

  test("read_max_frame_len_plus_one", () => {
    const { decoder, frames } = run([framePrefix(65), body(65)], { maxFrameBytes: 64 });
    expect(frames).toEqual([]);
    expect(decoder.state).toBe("errored");
    expect(decoder.error?.code).toBe(ErrorCode.FRAME_TOO_LARGE);
    expect(decoder.error?.details).toEqual({ length: 65, limit: 64 });
    expect(decoder.bufferedBytes).toBe(0);
  });

  test("read_length_0xffffffff_rejected_without_allocation", () => {
    const decoder = new FrameDecoder();
    const sizes: number[] = [];
    for (const method of ["alloc", "allocUnsafe", "allocUnsafeSlow"] as const) {
      const original = Buffer[method].bind(Buffer);
      vi.spyOn(Buffer, method).mockImplementation(((size: number, ...rest: never[]) => {
        sizes.push(size);
        return original(size, ...rest);
      }) as never);
    }
    const concat = vi.spyOn(Buffer, "concat");
    decoder.push(hex("ffffffff"));
    expect(decoder.next()).toBeUndefined();
    expect(decoder.error?.code).toBe(ErrorCode.FRAME_TOO_LARGE);
    expect(decoder.error?.details).toEqual({ length: 0xffff_ffff, limit: DEFAULT_MAX_FRAME_BYTES });
    expect(sizes).toEqual([]);
    expect(concat).not.toHaveBeenCalled();
    expect(decoder.bufferedBytes).toBe(0);
  });

  test("read_oversized_head_split_over_packets_allocates_only_the_prefix", () => {
    const decoder = new FrameDecoder();
    const original = Buffer.allocUnsafe.bind(Buffer);
    const sizes: number[] = [];
    vi.spyOn(Buffer, "allocUnsafe").mockImplementation((size: number) => {
      sizes.push(size);
      return original(size);
    });
    decoder.push(hex("ff"));
    decoder.push(hex("ffff"));
    decoder.push(hex("ff 00112233"));
    expect(decoder.next()).toBeUndefined();
    expect(decoder.error?.code).toBe(ErrorCode.FRAME_TOO_LARGE);
    expect(sizes.every((n) => n <= 4)).toBe(true);
  });

  test("read_after_error_stays_errored", () => {
    const { decoder } = run([hex("0000ffff")], { maxFrameBytes: 1024 });
    const error = decoder.error;
    expect(error?.code).toBe(ErrorCode.FRAME_TOO_LARGE);
    decoder.push(encodeFrame(body(3)));
    expect(decoder.next()).toBeUndefined();
    expect(decoder.error).toBe(error);
    expect(decoder.bufferedBytes).toBe(0);
    expect(decoder.end()).toBe(error);
  });

  test("read_frame_inside_one_chunk_is_a_view", () => {
    const chunk = hex("00000002 abcd 00000001 ef");
    const decoder = new FrameDecoder();
    decoder.push(chunk);
    const first = decoder.next() as Buffer;
    expect(first.buffer).toBe(chunk.buffer);
    expect(first.byteOffset).toBe(chunk.byteOffset + 4);
    expect((decoder.next() as Buffer).buffer).toBe(chunk.buffer);
  });

  test("read_frame_spanning_chunks_is_copied_once", () => {
    const decoder = new FrameDecoder();
    const copies = vi.spyOn(Buffer, "allocUnsafe");
    decoder.push(hex("00000006 0102"));
    decoder.push(hex("0304"));
    decoder.push(hex("0506"));
    expect(decoder.next()?.toString("hex")).toBe("010203040506");
    expect(copies.mock.calls.map((c) => c[0])).toEqual([6]);
  });

  test("read_retained_chunks_capped_during_trickle", () => {
    const payload = body(5000);
    const decoder = new FrameDecoder({ maxRetainedChunks: 8 });
    let maxChunks = 0;
    const frames: Buffer[] = [];
    for (const piece of pieces(encodeFrame(payload), 1)) {
      decoder.push(piece);
      maxChunks = Math.max(maxChunks, decoder.retainedChunks);
      for (let f = decoder.next(); f; f = decoder.next()) frames.push(f);
    }
    expect(maxChunks).toBeLessThanOrEqual(8);
    expect(frames).toHaveLength(1);
    expect(frames[0]?.equals(payload)).toBe(true);
  });

  test("read_trickle_copies_linearly", () => {
    // 200 KiB in 1-byte chunks with a chunk cap of 4: merging the whole backlog each time would
    // copy ~10 GB; the growing merge buffer keeps the total allocation within a small multiple.
    const payload = body(200 * 1024);
    const decoder = new FrameDecoder({ maxRetainedChunks: 4 });
    const original = Buffer.allocUnsafe.bind(Buffer);
    let allocated = 0;
    vi.spyOn(Buffer, "allocUnsafe").mockImplementation((size: number) => {
      allocated += size;
      return original(size);
    });
    let frame: Buffer | undefined;
    for (const piece of pieces(encodeFrame(payload), 1)) {
      decoder.push(piece);
      frame = decoder.next() ?? frame;
    }
    expect(frame?.equals(payload)).toBe(true);
    expect(allocated).toBeLessThan(4 * payload.length);
    expect(decoder.retainedChunks).toBe(0);
  });

  test("read_frames_after_a_merge_reuse_its_room", () => {
    // Frames that land in the merge buffer come out intact, and earlier frames are not overwritten.
    const stream = Buffer.concat([
      encodeFrame(body(10, 1)),
      encodeFrame(body(7, 2)),
      encodeFrame(body(12, 3)),
    ]);
    const decoder = new FrameDecoder({ maxRetainedChunks: 2 });
    const frames: Buffer[] = [];
    for (const piece of pieces(stream, 1)) {
      decoder.push(piece);
      for (let f = decoder.next(); f; f = decoder.next()) frames.push(f);
    }
    expect(frames.map((f) => f.toString("hex"))).toEqual([
      body(10, 1).toString("hex"),
      body(7, 2).toString("hex"),
      body(12, 3).toString("hex"),
    ]);
  });

  test("read_without_draining_keeps_every_frame", () => {
    const decoder = new FrameDecoder({ maxRetainedChunks: 2 });
    for (const piece of pieces(hex("00000001 aa 00000002 bbcc 00000000"), 1)) decoder.push(piece);
    expect(decoder.retainedChunks).toBeLessThanOrEqual(2);
    expect(decoder.next()?.toString("hex")).toBe("aa");
    expect(decoder.next()?.toString("hex")).toBe("bbcc");
    expect(decoder.next()?.toString("hex")).toBe("");
    expect(decoder.next()).toBeUndefined();
  });

  test("options_are_validated", () => {
    for (const maxFrameBytes of [-1, 1.5, Number.NaN, MAX_FRAME_BYTES_LIMIT + 1]) {
      expect(() => new FrameDecoder({ maxFrameBytes })).toThrow(
        expect.objectContaining({ code: ErrorCode.INVALID_ARGUMENT }),
      );
    }
    for (const maxRetainedChunks of [0, 1, 2.5, 2 ** 21]) {
      expect(() => new FrameDecoder({ maxRetainedChunks })).toThrow(
        expect.objectContaining({ code: ErrorCode.INVALID_ARGUMENT }),
      );
    }
    expect(new FrameDecoder({ maxFrameBytes: MAX_FRAME_BYTES_LIMIT }).maxFrameBytes).toBe(
      MAX_FRAME_BYTES_LIMIT,
    );
    expect(new FrameDecoder().maxRetainedChunks).toBe(1024);
  });
});

describe("FrameDecoder byte-by-byte trace", () => {
  // Each step: the byte pushed, then state/bufferedBytes after draining, then any frame produced.
  test("two frames, then an oversized prefix", () => {
    const stream = hex("00000002 6869 00000000 000000ff");
    const decoder = new FrameDecoder({ maxFrameBytes: 16 });
    const trace: string[] = [];
    for (const byte of stream) {
      decoder.push(Buffer.of(byte));
      let step = `${byte.toString(16).padStart(2, "0")} ${decoder.state}`;
      for (let f = decoder.next(); f !== undefined; f = decoder.next())
        step += ` frame[${f.toString("hex")}]`;
      trace.push(`${step} -> ${decoder.state}/${decoder.bufferedBytes}`);
    }
    expect(trace).toEqual([
      "00 header -> header/1",
      "00 header -> header/2",
      "00 header -> header/3",
      "02 header -> body/0",
      "68 body -> body/1",
      "69 body frame[6869] -> header/0",
      "00 header -> header/1",
      "00 header -> header/2",
      "00 header -> header/3",
      "00 header frame[] -> header/0",
      "00 header -> header/1",
      "00 header -> header/2",
      "00 header -> header/3",
      "ff header -> errored/0",
    ]);
    expect(decoder.error?.code).toBe(ErrorCode.FRAME_TOO_LARGE);
  });
});

describe("frame encoder", () => {
  test("write_single_frame_one_buffer", () => {
    expect(encodeFrame(Buffer.from("hi")).toString("hex")).toBe("000000026869");
    expect(encodeFrame(new Uint8Array(0)).toString("hex")).toBe("00000000");
  });

  test("write_prefix_for_a_corked_pair", () => {
    expect(framePrefix(0x01020304).toString("hex")).toBe("01020304");
    expect(framePrefix(MAX_FRAME_BYTES_LIMIT).readUInt32BE(0)).toBe(MAX_FRAME_BYTES_LIMIT);
  });

  test("write_rejects_bad_lengths", () => {
    for (const n of [-1, 1.5, MAX_FRAME_BYTES_LIMIT + 1]) {
      expect(() => framePrefix(n)).toThrow(
        expect.objectContaining({ code: ErrorCode.INVALID_ARGUMENT }),
      );
    }
  });

  test("write_then_read_round_trip", () => {
    const payloads = [Buffer.alloc(0), body(1), body(1000)];
    const { frames } = run([Buffer.concat(payloads.map((p) => encodeFrame(p)))]);
    expect(frames).toEqual(payloads.map((p) => p.toString("hex")));
  });
});
