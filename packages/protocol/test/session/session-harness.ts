import { vi } from "vitest";
import {
  type AnyContract,
  decodeControl,
  defaultCodec,
  type Envelope,
  encodeControl,
  encodeEnvelope,
  FrameDecoder,
  Kind,
  type Reason,
  reasonSchema,
  type SockwireError,
} from "../../src/index.js";
import {
  type CloseInfo,
  type HeartbeatSettings,
  type ResumeLimits,
  Session,
  type SessionHooks,
  type SessionLimits,
  type SessionOptions,
  Ticker,
} from "../../src/internal.js";
import { chat } from "../fixtures/chat.js";
import { type MemorySocket, type SocketPairOptions, socketPair } from "./socket-pair.js";

// A session over an in-memory socket pair, with its hooks recorded, and a peer that writes frames
// built by the public encode helpers and decodes what the session writes. Timers are fake; the
// sockets move data on process.nextTick, which is not faked, so `settle()` lets them run.

/** The clocks a session reads: timers, the shared ticker's interval, Date.now(), performance.now(). */
export function useSessionClock(): void {
  vi.useFakeTimers({
    toFake: ["setTimeout", "clearTimeout", "setInterval", "clearInterval", "Date", "performance"],
  });
}

/** Lets the sockets and promises run: data moves on nextTick, batches leave on a microtask. */
export async function settle(): Promise<void> {
  for (let i = 0; i < 4; i++) await new Promise<void>((resolve) => setImmediate(resolve));
}

/** Moves the fake clock by `ms`, letting sockets and promises run after each timer. */
export async function elapse(ms: number): Promise<void> {
  await vi.advanceTimersByTimeAsync(ms);
  await settle();
}

/** Small limits, so the tests reach them with small messages. */
export const testLimits: SessionLimits = {
  maxFrameBytes: 64 * 1024,
  maxRetainedChunks: 1024,
  frameTimeoutMs: 0,
  sendSoftBytes: 32 * 1024,
  sendHardBytes: 128 * 1024,
  writeDeadlineMs: 0,
  maxInFlight: 100,
  closeTimeoutMs: 5000,
  maxPingStrikes: 2,
  requestTimeoutMs: 0,
};

/** What a session told its owner, in order. */
export class HookLog implements SessionHooks {
  readonly handshakes: Envelope[] = [];
  readonly events: [string, unknown][] = [];
  readonly errors: SockwireError[] = [];
  readonly goaways: Reason[] = [];
  readonly closes: CloseInfo[] = [];
  /** The request handler; the default answers `join` and `tags` from their input. */
  onRequest: SessionHooks["request"] = (name, params) =>
    name === "join" ? { members: String((params as { room: string }).room).length } : ["ok"];
  /** The event handler's return value (a promise makes the event count as work in flight). */
  onEvent: SessionHooks["event"] = () => undefined;

  handshake(envelope: Envelope): void {
    this.handshakes.push({ ...envelope, payload: Buffer.from(envelope.payload) });
  }
  /** The stream handler (none by default: streams are refused NOT_IMPLEMENTED). */
  onStream: SessionHooks["stream"] = undefined;

  stream(...args: Parameters<NonNullable<SessionHooks["stream"]>>) {
    return this.onStream?.(...args);
  }
  event(name: string, data: unknown): unknown {
    this.events.push([name, data]);
    return this.onEvent(name, data);
  }
  request(...args: Parameters<SessionHooks["request"]>): unknown {
    return this.onRequest(...args);
  }
  error(error: SockwireError): void {
    this.errors.push(error);
  }
  goaway(reason: Reason): void {
    this.goaways.push(reason);
  }
  closed(info: CloseInfo): void {
    this.closes.push(info);
  }

  /** The one close report (undefined while open; fails if there were two). */
  get closedInfo(): CloseInfo | undefined {
    if (this.closes.length > 1) throw new Error("closed reported more than once");
    return this.closes[0];
  }
}

/**
 * The test's end of the connection: writes frames, decodes what the session wrote (every frame,
 * in order), and notes the session's FIN and the close.
 */
export class WirePeer {
  readonly frames: Envelope[] = [];
  /** The session half-closed (its FIN arrived). */
  ended = false;
  closed = false;
  private readonly decoder = new FrameDecoder({ maxFrameBytes: 64 * 1024 * 1024 });

  constructor(readonly socket: MemorySocket) {
    socket.on("data", (chunk: Buffer) => {
      this.decoder.push(chunk);
      for (let env = this.decoder.nextEnvelope(); env; env = this.decoder.nextEnvelope()) {
        this.frames.push({ ...env, payload: Buffer.from(env.payload) });
      }
    });
    socket.on("end", () => {
      this.ended = true;
    });
    socket.on("close", () => {
      this.closed = true;
    });
  }

  send(...frames: Buffer[]): void {
    this.socket.write(Buffer.concat(frames));
  }

  /** FIN: the peer sends nothing more. */
  end(): void {
    this.socket.end();
  }

  /** Frames received, as `kind id` labels (`event greeting`, `response 3`, `error 0 CODE`). */
  labels(): string[] {
    return this.frames.map(label);
  }

  ofKind(kind: Kind): Envelope[] {
    return this.frames.filter((frame) => frame.kind === kind);
  }
}

/** A short label of a frame for order assertions: kind, id, type or the reason's code. */
export function label(frame: Envelope): string {
  const name = kindNames[frame.kind] ?? `0x${frame.kind.toString(16)}`;
  switch (frame.kind) {
    case Kind.EVENT:
    case Kind.REQUEST:
      return `${name} ${frame.id} ${frame.type}`;
    case Kind.ERROR:
    case Kind.GOAWAY:
    case Kind.REJECT:
      return `${name} ${frame.id} ${reasonOf(frame).code}`;
    default:
      return `${name} ${frame.id}`;
  }
}

const kindNames: Record<number, string> = Object.fromEntries(
  Object.entries(Kind).map(([key, value]) => [value, key.toLowerCase()]),
);

/** The JSON payload of a frame. */
export function jsonOf(frame: Envelope | undefined): unknown {
  if (frame === undefined) throw new Error("no frame");
  return frame.payload.length === 0 ? undefined : JSON.parse(frame.payload.toString());
}

/** The reason of an error, goaway or reject frame. */
export function reasonOf(frame: Envelope | undefined): Reason {
  if (frame === undefined) throw new Error("no frame");
  return decodeControl(reasonSchema, frame.payload, "reason");
}

/** Control frames a peer sends. */
export const wire = {
  ping: (id = 0) => encodeEnvelope({ kind: Kind.PING, id }, undefined),
  pong: (id = 0) => encodeEnvelope({ kind: Kind.PONG, id }, undefined),
  cancel: (id: number) => encodeEnvelope({ kind: Kind.CANCEL, id }, undefined),
  goaway: (reason: Reason) => encodeEnvelope({ kind: Kind.GOAWAY }, encodeControl(reason)),
  error: (id: number, reason: Reason) =>
    encodeEnvelope({ kind: Kind.ERROR, id }, encodeControl(reason)),
  hello: () => encodeEnvelope({ kind: Kind.HELLO }, encodeControl({ any: "thing" })),
};

export interface StartOptions {
  side?: SessionOptions["side"];
  limits?: Partial<SessionLimits>;
  overflow?: SessionOptions["overflow"];
  /** Open the session at once (default), with the peer's receive limit and the heartbeat. */
  open?: false | { peerMaxFrameBytes?: number; heartbeat?: HeartbeatSettings };
  socket?: SocketPairOptions;
  /** Both peers agreed to resume the session after a lost link (PROTOCOL.md 8.6). */
  resume?: ResumeLimits;
  /** The contract (default `chat`). */
  contract?: AnyContract;
  /** Both peers speak protocol 1.2, with streams (default true). */
  streams?: boolean;
}

/** A session on one end of a socket pair, its hooks recorded, a peer on the other end. */
export function startSession(options: StartOptions = {}) {
  const { local, remote } = socketPair(options.socket);
  const log = new HookLog();
  const ticker = new Ticker(1000);
  const limits = { ...testLimits, ...options.limits };
  const side = options.side ?? "server";
  const session = new Session(
    {
      side,
      contract: options.contract ?? chat,
      codec: defaultCodec,
      limits,
      overflow: options.overflow ?? (side === "server" ? "close" : "reject"),
      validateOutbound: true,
      ticker,
    },
    local,
    log,
  );
  const open = options.open ?? {};
  if (open !== false) {
    session.open(
      open.peerMaxFrameBytes ?? limits.maxFrameBytes,
      open.heartbeat ?? { intervalMs: 0, timeoutMs: 0 },
      { resume: options.resume, streams: options.streams ?? true },
    );
  }
  return { session, log, peer: new WirePeer(remote), socket: local, ticker, limits };
}
