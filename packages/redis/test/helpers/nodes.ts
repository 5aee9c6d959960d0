import { createClient, type SockwireClient } from "@sockwire/client";
import type { SockwireError } from "@sockwire/protocol";
import { createServer, type ServerOptions, type SockwireServer } from "@sockwire/server";
import { onTestFinished } from "vitest";
import { type RedisAdapter, type RedisAdapterOptions, redisAdapter } from "../../src/index.js";
import { type ClusterContract, clusterContract } from "./contract.js";
import { FAST } from "./fast.js";

/** A server with a Redis adapter, in this process; closed when the test finishes. */
export interface Node {
  server: SockwireServer<ClusterContract>;
  adapter: RedisAdapter;
  port: number;
  errors: SockwireError[];
}

/** Starts a node: `join` puts the caller in a room, `whoami` answers its connection id. */
export async function startNode(
  url: string,
  options: RedisAdapterOptions = {},
  serverOptions: ServerOptions<ClusterContract> = {},
): Promise<Node> {
  const adapter = redisAdapter({ ...FAST, ...options, url });
  const server = createServer(clusterContract, { ...serverOptions, adapter });
  const errors: SockwireError[] = [];
  server.onError((error) => errors.push(error));
  server.handle("join", ({ room }, conn) => {
    conn.join(room);
    return { ok: true };
  });
  server.handle("whoami", (_, conn) => ({ id: conn.id }));
  onTestFinished(() => server.close({ timeoutMs: 1000 }));
  const { port } = await server.listen({ port: 0 });
  return { server, adapter, port, errors };
}

/** A client that records every `news` event; destroyed when the test finishes. */
export interface Peer {
  client: SockwireClient<ClusterContract>;
  /** Connection id on its server. */
  id: string;
  news: Array<{ id: string; text: string }>;
  /** How many times each news id arrived. */
  count(id: string): number;
}

export async function connectPeer(port: number, room?: string): Promise<Peer> {
  const client = createClient(clusterContract, { port, reconnect: false });
  const news: Peer["news"] = [];
  client.on("news", (data) => void news.push(data));
  onTestFinished(() => client.destroy());
  await client.connect();
  if (room !== undefined) await client.request("join", { room });
  const { id } = await client.request("whoami", {});
  return { client, id, news, count: (key) => news.filter((n) => n.id === key).length };
}
