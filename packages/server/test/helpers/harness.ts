import type { AnyContract, SockwireError } from "@sockwire/protocol";
import { onTestFinished } from "vitest";
import {
  createServer,
  type DisconnectInfo,
  type ServerConnection,
  type ServerOptions,
  type SockwireServer,
} from "../../src/index.js";
import { RawPeer, type RawPeerOptions } from "./raw-peer.js";
import { TestClient, type TestClientOptions } from "./session-client.js";

/** A listening server plus what its hooks reported; closed when the test finishes. */
export interface Running<C extends AnyContract, Ctx> {
  server: SockwireServer<C, Ctx>;
  port: number;
  errors: Array<{ error: SockwireError; conn: ServerConnection<C, Ctx> | undefined }>;
  disconnects: Array<{ conn: ServerConnection<C, Ctx>; info: DisconnectInfo }>;
  opened: Array<ServerConnection<C, Ctx>>;
  /** A raw peer to this server, destroyed when the test finishes. */
  raw(options?: RawPeerOptions): Promise<RawPeer>;
  /** A raw peer that has completed a valid handshake. */
  rawOpen(hello?: Parameters<typeof RawPeer.open>[2], options?: RawPeerOptions): Promise<RawPeer>;
  /** A well-behaved Session-based client, destroyed when the test finishes. */
  client(options?: TestClientOptions): Promise<TestClient>;
}

/** Creates a server, lets `setup` register handlers, listens on 127.0.0.1:0. */
export async function startServer<C extends AnyContract, Ctx = undefined>(
  contract: C,
  options: ServerOptions<C, Ctx> = {},
  setup?: (server: SockwireServer<C, Ctx>) => void,
): Promise<Running<C, Ctx>> {
  const server = createServer(contract, options);
  const errors: Running<C, Ctx>["errors"] = [];
  const disconnects: Running<C, Ctx>["disconnects"] = [];
  const opened: Running<C, Ctx>["opened"] = [];
  server.onError((error, conn) => errors.push({ error, conn }));
  server.onDisconnect((conn, info) => disconnects.push({ conn, info }));
  server.onConnection((conn) => opened.push(conn));
  setup?.(server);
  onTestFinished(() => server.close({ timeoutMs: 200 }));
  const { port } = await server.listen({ port: 0 });
  return {
    server,
    port,
    errors,
    disconnects,
    opened,
    raw: async (o) => track(await RawPeer.connect(port, o)),
    rawOpen: async (hello, o) => track(await RawPeer.open(port, contract, hello, o)),
    client: async (o) => {
      const client = await TestClient.connect(port, contract, o);
      onTestFinished(() => client.destroy());
      return client;
    },
  };
}

function track(peer: RawPeer): RawPeer {
  onTestFinished(() => peer.destroy());
  return peer;
}
