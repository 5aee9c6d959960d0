import type { Envelope } from "./envelope.js";
import type { Kind } from "./kinds.js";

/**
 * The {@link Envelope} that parsing returns. Its payload stays a range of the received bytes until
 * someone asks for `payload`: a decoder that can read a range (a codec's `decodeRange`, a
 * schema's parse plan) reads `source` from `payloadStart` to `payloadEnd` directly, so the usual
 * path (parse, decode, validate) never builds the view, which costs about as much as the rest of
 * the framing work for a small message.
 */
export class ReceivedEnvelope implements Envelope {
  #view: Buffer | undefined;

  constructor(
    readonly kind: Kind,
    readonly flags: number,
    readonly id: number,
    readonly type: string,
    readonly deadlineMs: number | undefined,
    /** The received bytes the frame lies in (shared with the frames around it: do not keep). */
    readonly source: Buffer,
    /** Where the payload starts in `source`. */
    readonly payloadStart: number,
    /** Where the payload ends in `source`. */
    readonly payloadEnd: number,
  ) {}

  /** The payload bytes, as a view into the received chunk (made on first use). */
  get payload(): Buffer {
    this.#view ??= this.source.subarray(this.payloadStart, this.payloadEnd);
    return this.#view;
  }
}

/**
 * The payload's size in bytes, without making a view of it for a received envelope (a stream
 * item's size is counted for its credit, and most are then parsed where they lie).
 */
export function payloadSize(envelope: Envelope): number {
  return envelope instanceof ReceivedEnvelope
    ? envelope.payloadEnd - envelope.payloadStart
    : envelope.payload.length;
}
