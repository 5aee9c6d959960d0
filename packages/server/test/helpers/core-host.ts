import { type AnyContract, type Envelope, Kind, type SockwireError } from "@sockwire/protocol";
import {
  type LocalContract,
  localContract,
  type SessionOptions,
  Ticker,
} from "@sockwire/protocol/internal";
import { onTestFinished } from "vitest";
import { ConnectionCore } from "../../src/connection-core.js";
import type { CloseOutcome, ConnectionHost, CoreOwner } from "../../src/connection-host.js";
import type { ServerOptions } from "../../src/index.js";
import { type ResolvedOptions, resolveOptions } from "../../src/options.js";
import type { DisconnectInfo } from "../../src/types.js";
import { RawPeer } from "./raw-peer.js";
import { socketPair } from "./socket-pair.js";

// A connection core driven over an in-memory socket pair against a host that records what the
// core tells it: the handshake's decisions, the session hooks, rooms and the close.

export interface FakeConn extends CoreOwner {
  readonly id: string;
}

export class FakeHost implements ConnectionHost<FakeConn> {
  readonly contract: AnyContract;
  readonly local: LocalContract;
  readonly options: ResolvedOptions;
  readonly sessionOptions: SessionOptions;
  readonly idPrefix = "";
  accepting = true;
  /** What the core called, in order (errors and closes have their own lists). */
  readonly calls: string[] = [];
  readonly errors: SockwireError[] = [];
  readonly closes: Array<{ conn: FakeConn; info: DisconnectInfo; outcome: CloseOutcome }> = [];
  /** Resumption is left to the registry's tests; this host has none. */
  readonly resumption = undefined;

  constructor(contract: AnyContract, options: ServerOptions<AnyContract, unknown> = {}) {
    this.contract = contract;
    this.local = localContract(contract, "server");
    this.options = resolveOptions({ heartbeatIntervalMs: 0, ...options });
    this.sessionOptions = {
      side: "server",
      contract,
      codec: this.options.codec,
      overflow: "close",
      validateOutbound: true,
      ticker: new Ticker(1000),
      limits: this.options,
    };
  }

  dispatchEvent(name: string, data: unknown, conn: FakeConn): undefined {
    this.calls.push(`event ${name} ${JSON.stringify(data)} ${conn.id}`);
    return undefined;
  }

  dispatchRequest(name: string, input: unknown, conn: FakeConn): unknown {
    this.calls.push(`request ${name} ${conn.id}`);
    return input;
  }

  dispatchStream(name: string, _input: unknown, conn: FakeConn): undefined {
    this.calls.push(`stream ${name} ${conn.id}`);
    return undefined;
  }

  joinRoom(conn: FakeConn, room: string): void {
    this.calls.push(`join ${room} ${conn.id}`);
  }

  leaveRoom(conn: FakeConn, room: string): void {
    this.calls.push(`leave ${room} ${conn.id}`);
  }

  opened(conn: FakeConn): void {
    this.calls.push(`opened ${conn.id}`);
  }

  closed(conn: FakeConn, info: DisconnectInfo, outcome: CloseOutcome): void {
    this.closes.push({ conn, info, outcome });
  }

  handedOver(conn: FakeConn): void {
    this.calls.push(`handed over ${conn.id}`);
  }

  resumed(conn: FakeConn): void {
    this.calls.push(`resumed ${conn.id}`);
  }

  reportError(error: SockwireError): void {
    this.errors.push(error);
  }
}

/** A core on one end of a socket pair and a raw peer on the other, torn down after the test. */
export function connect(host: FakeHost) {
  const { server, client } = socketPair();
  const conn: FakeConn = {
    id: "c1",
    remoteAddress: "127.0.0.1",
    remotePort: 40_000,
    encrypted: false,
    relinked: () => {},
  };
  const core = new ConnectionCore(server, host, conn);
  const peer = RawPeer.over(client);
  onTestFinished(() => {
    peer.destroy();
    server.destroy();
  });
  return { core, peer, conn };
}

/** The reason of the first reject the peer receives. */
export async function rejectOf(peer: RawPeer) {
  return RawPeer.reason(await peer.waitFor((e: Envelope) => e.kind === Kind.REJECT, "reject"));
}
