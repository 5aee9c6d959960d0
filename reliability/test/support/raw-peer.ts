import { type Socket, connect as tcpConnect } from "node:net";
import {
  type AnyContract,
  type Envelope,
  encodeControl,
  encodeEnvelope,
  FrameDecoder,
  type Hello,
  Kind,
  PROTOCOL_VERSION,
  parseEnvelope,
} from "@sockwire/protocol";
import { onTestFinished } from "vitest";
import { until } from "../../src/wait.js";

/** A valid hello for `contract`, fields overridable. */
export function helloFor(contract: AnyContract, overrides: Partial<Hello> = {}): Hello {
  return {
    protocol: { ...PROTOCOL_VERSION },
    contract: { name: contract.name, fingerprint: contract.fingerprint },
    codec: "json",
    maxFrameBytes: 1024 * 1024,
    heartbeat: { intervalMs: 0, timeoutMs: 0 },
    ...overrides,
  };
}

/**
 * A raw socket that writes whatever bytes a test hands it and decodes what the server sends:
 * the hostile peer of the harness rules, without any of the client library's manners.
 */
export class RawPeer {
  readonly frames: Envelope[] = [];
  ended = false;
  closed = false;
  errors: string[] = [];
  /** Set if the server ever sent bytes that do not decode as frames. */
  decodeError: unknown;
  private readonly decoder = new FrameDecoder({ maxFrameBytes: 64 * 1024 * 1024 });

  private constructor(readonly socket: Socket) {
    socket.setNoDelay(true);
    socket.on("data", (chunk: Buffer) => {
      this.decoder.push(chunk);
      try {
        for (let body = this.decoder.next(); body; body = this.decoder.next()) {
          const envelope = parseEnvelope(body);
          if (envelope) this.frames.push(envelope);
        }
      } catch (error) {
        this.decodeError = error;
      }
      if (this.decoder.error) this.decodeError = this.decoder.error;
    });
    socket.on("end", () => {
      this.ended = true;
    });
    socket.on("error", (e: NodeJS.ErrnoException) => this.errors.push(e.code ?? e.message));
    socket.on("close", () => {
      this.closed = true;
    });
  }

  /** Connects to 127.0.0.1:`port`; destroyed when the test finishes. */
  static async connect(port: number): Promise<RawPeer> {
    const socket = tcpConnect({ host: "127.0.0.1", port, allowHalfOpen: true });
    await new Promise<void>((resolve, reject) => {
      socket.once("connect", resolve);
      socket.once("error", reject);
    });
    onTestFinished(() => void socket.destroy());
    return new RawPeer(socket);
  }

  /** Connects and completes a valid handshake. */
  static async open(
    port: number,
    contract: AnyContract,
    hello: Partial<Hello> = {},
  ): Promise<RawPeer> {
    const peer = await RawPeer.connect(port);
    peer.write(encodeEnvelope({ kind: Kind.HELLO }, encodeControl(helloFor(contract, hello))));
    const answer = await peer.waitFor((e) => e.kind === Kind.WELCOME || e.kind === Kind.REJECT);
    if (answer.kind !== Kind.WELCOME) throw new Error(`refused: ${answer.payload.toString()}`);
    return peer;
  }

  write(bytes: Uint8Array): void {
    if (!this.socket.destroyed && !this.socket.writableEnded) this.socket.write(bytes);
  }

  /** The first received frame matching `predicate`, waiting for it up to `timeoutMs`. */
  async waitFor(predicate: (e: Envelope) => boolean, timeoutMs = 5000): Promise<Envelope> {
    await until(() => this.frames.some(predicate), "a matching frame", timeoutMs, 1);
    return this.frames.find(predicate) as Envelope;
  }

  /** The decoded JSON of a control or response payload. */
  static json(envelope: Envelope): unknown {
    return envelope.payload.length === 0 ? undefined : JSON.parse(envelope.payload.toString());
  }
}
