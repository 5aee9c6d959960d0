import {
  FrameReader,
  type FrameReaderOptions,
  type FrameReaderState,
} from "../frame/frame-reader.js";
import type { Envelope } from "./envelope.js";
import { parseEnvelopeAt } from "./parse-envelope.js";

/** Options of {@link FrameDecoder}: those of the frame reader. */
export type FrameDecoderOptions = FrameReaderOptions;

/** Where a {@link FrameDecoder} is: waiting for a length prefix, for a body, or dead. */
export type FrameDecoderState = FrameReaderState;

/**
 * The frame reader with envelope parsing on top: frames in, envelopes out. Everything about
 * bytes (limits checked on the prefix, chunk lists, truncation) is the frame reader's; this
 * layer only says how a body is read.
 *
 * @example
 * ```ts
 * const decoder = new FrameDecoder({ maxFrameBytes: 1024 * 1024 });
 * socket.on("data", (chunk) => {
 *   decoder.push(chunk);
 *   for (let env = decoder.nextEnvelope(); env; env = decoder.nextEnvelope()) route(env);
 *   if (decoder.error) socket.destroy(decoder.error);
 * });
 * ```
 */
export class FrameDecoder extends FrameReader {
  /**
   * Returns the next frame already parsed as an {@link Envelope}, or `undefined` (need more
   * bytes, or errored). Same as `parseEnvelope(next())`, but a body that lies inside one chunk is
   * parsed where it lies, so the payload range is the only thing kept of the bytes. Frames of an
   * ignorable extension kind are skipped. A body that breaks the envelope format is the
   * decoder's terminal error (`ERR_FRAME_MALFORMED`, `ERR_UNKNOWN_KIND`, `ERR_UNKNOWN_FLAGS`),
   * like a bad length prefix.
   */
  nextEnvelope(): Envelope | undefined {
    return this.nextWith(parseEnvelopeAt);
  }
}
