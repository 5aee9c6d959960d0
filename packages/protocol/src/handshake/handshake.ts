import { z } from "zod";
import { CODEC_NAME_PATTERN } from "../codec/codec.js";
import {
  MAX_FRAME_BYTES_LIMIT,
  MIN_FRAME_BYTES_LIMIT,
  PROTOCOL_MAJOR,
  PROTOCOL_MINOR,
} from "../constants.js";
import { APP_CODE_PATTERN } from "../errors/wire-codes.js";

const version = z.object({
  major: z.number().int().min(0).max(255),
  minor: z.number().int().min(0).max(255),
});
const frameLimit = z.number().int().min(MIN_FRAME_BYTES_LIMIT).max(MAX_FRAME_BYTES_LIMIT);
const heartbeat = z.object({
  /** Idle time after which a side pings; 0 disables pinging on the sender's side. */
  intervalMs: z.number().int().min(0).max(3_600_000),
  /** How long after the interval a silent peer is declared dead. */
  timeoutMs: z.number().int().min(0).max(3_600_000),
});
const shortText = z.string().max(1024);

/** A canonical contract digest: 32 lowercase hex characters (PROTOCOL.md 7.3). */
const digest = z.string().regex(/^[0-9a-f]{32}$/);
/** A resume token: at least 128 random bits, base64url (PROTOCOL.md 8.6). */
const resumeToken = z.string().regex(/^[A-Za-z0-9_-]{22,64}$/);
/** A count of sequenced frames, modulo 2^32 (PROTOCOL.md 8.6). */
const frameCount = z.number().int().min(0).max(0xffff_ffff);

/**
 * Payload of `hello` (client to server, always JSON). With `reflect: true` (1.1) the client has no
 * contract of its own and asks for the server's (PROTOCOL.md 8.1, "Reflection"): `contract.name`
 * is then the name it expects, or empty for any, and the fingerprint is empty.
 */
export const helloSchema = z.object({
  protocol: version,
  contract: z.object({
    name: z.string().max(64),
    /** The 1.0 fingerprint (7.1), which a 1.0 server compares. */
    fingerprint: z.string().max(64),
    /** 1.1: the canonical contract digest (7.5), which a 1.1 server compares instead. */
    digest: digest.optional(),
  }),
  codec: z.string().regex(CODEC_NAME_PATTERN),
  maxFrameBytes: frameLimit,
  heartbeat,
  credentials: z.unknown().optional(),
  agent: z.string().max(128).optional(),
  /**
   * 1.1: the client can resume sessions (PROTOCOL.md 8.6). Empty for a new session; with the
   * token of the session to resume and how many of its sequenced frames the client received.
   */
  resume: z
    .object({
      token: resumeToken.optional(),
      received: frameCount.optional(),
    })
    .optional(),
  /** 1.1: describe your contract instead of opening a connection (reflection). */
  reflect: z.boolean().optional(),
});
export type Hello = z.infer<typeof helloSchema>;

/** Payload of `welcome` (server to client, always JSON). */
export const welcomeSchema = z.object({
  protocol: version,
  sessionId: z.string().max(64),
  maxFrameBytes: frameLimit,
  heartbeat,
  maxInFlight: z.number().int().min(1).max(1_000_000),
  /**
   * 1.1, present when the two contracts differ: the server's digest and the keys of the messages
   * disabled on this connection (PROTOCOL.md 8.1), sorted.
   */
  contract: z
    .object({
      digest,
      disabled: z.array(z.string().max(300)).max(100_000),
    })
    .optional(),
  /**
   * 1.1, present when the client asked and the server resumes sessions (PROTOCOL.md 8.6): the
   * token for the next resume, the window to come back in, whether this connection resumed the
   * session the hello named, and if so how many of its sequenced frames the server received.
   */
  resume: z
    .object({
      token: resumeToken,
      windowMs: z.number().int().min(1).max(86_400_000),
      resumed: z.boolean(),
      received: frameCount.optional(),
    })
    .optional(),
});
export type Welcome = z.infer<typeof welcomeSchema>;

/** Payload of `reject`, `goaway` and `error`: a wire code and a short message. */
export const reasonSchema = z.object({
  code: z.string().regex(APP_CODE_PATTERN),
  message: shortText.optional(),
  /** goaway only: suggested wait before reconnecting, in ms. */
  reconnectAfterMs: z.number().int().min(0).max(86_400_000).optional(),
  /** error only: bounded, serialisable detail (issue summaries for validation errors). */
  details: z.unknown().optional(),
});
export type Reason = z.infer<typeof reasonSchema>;

/** This implementation's protocol version. */
export const PROTOCOL_VERSION = Object.freeze({ major: PROTOCOL_MAJOR, minor: PROTOCOL_MINOR });

/**
 * The minor version both sides speak: the lower of the two. Returns `undefined` when the majors
 * differ, which must end the handshake with `UNSUPPORTED_VERSION`.
 */
export function negotiateMinor(peer: { major: number; minor: number }): number | undefined {
  if (peer.major !== PROTOCOL_MAJOR) return undefined;
  return Math.min(peer.minor, PROTOCOL_MINOR);
}
