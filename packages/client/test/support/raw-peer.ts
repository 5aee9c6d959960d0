import type { Socket } from "node:net";
import {
  type Envelope,
  encodeControl,
  encodeEnvelope,
  FrameDecoder,
  Kind,
  type Kind as KindValue,
  parseEnvelope,
  type Welcome,
} from "@sockwire/protocol";

/** A welcome payload with sensible values; override what a test needs. */
export function welcomePayload(overrides: Partial<Welcome> = {}): Welcome {
  return {
    protocol: { major: 1, minor: 0 },
    sessionId: "raw-session",
    maxFrameBytes: 1024 * 1024,
    heartbeat: { intervalMs: 0, timeoutMs: 0 },
    maxInFlight: 1000,
    ...overrides,
  };
}

/** A complete control frame (welcome, reject, goaway, error id 0). */
export function controlFrame(kind: KindValue, payload: unknown): Buffer {
  return encodeEnvelope({ kind }, encodeControl(payload));
}

/** A complete event frame with a JSON payload. */
export function eventFrame(type: string, data: unknown): Buffer {
  return encodeEnvelope({ kind: Kind.EVENT, type }, JSON.stringify(data));
}

/** A complete response frame with a JSON payload. */
export function responseFrame(id: number, data: unknown): Buffer {
  return encodeEnvelope({ kind: Kind.RESPONSE, id }, JSON.stringify(data));
}

/**
 * Reads frames from a raw socket and hands each parsed envelope to `onFrame`. Used by scripted
 * peers that answer (or deliberately fail to answer) the client by hand.
 */
export function readFrames(socket: Socket, onFrame: (envelope: Envelope) => void): void {
  const decoder = new FrameDecoder();
  socket.on("data", (chunk: Buffer) => {
    decoder.push(chunk);
    for (let body = decoder.next(); body; body = decoder.next()) {
      const envelope = parseEnvelope(body);
      if (envelope) onFrame(envelope);
    }
  });
}

/**
 * Plays a minimal server: answers the hello with a welcome (`welcome` overrides), optionally
 * followed in the same write by `after` frames, then hands every later frame to `onFrame`.
 */
export function fakeServer(
  socket: Socket,
  options: {
    welcome?: Partial<Welcome>;
    after?: Buffer[];
    onFrame?: (envelope: Envelope) => void;
  } = {},
): void {
  let greeted = false;
  readFrames(socket, (envelope) => {
    if (!greeted && envelope.kind === Kind.HELLO) {
      greeted = true;
      socket.write(
        Buffer.concat([
          controlFrame(Kind.WELCOME, welcomePayload(options.welcome)),
          ...(options.after ?? []),
        ]),
      );
      return;
    }
    options.onFrame?.(envelope);
  });
}
