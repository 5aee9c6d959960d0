import { type ClientOptions, createClient, type SockwireClient } from "@sockwire/client";
import type { AnyContract } from "@sockwire/protocol";
import {
  createServer,
  type DisconnectInfo,
  type ServerConnection,
  type ServerOptions,
  type SockwireServer,
} from "@sockwire/server";
import { onTestFinished } from "vitest";
import { ChaosProxy } from "../../src/chaos/chaos-proxy.js";
import type { ChildConfig } from "../../src/server/child.js";
import { ServerProcess } from "../../src/server/server-process.js";

/** The shrunken timers of the reliability harness: heartbeat 100/100 ms, close 200 ms. */
export const FAST = { heartbeatIntervalMs: 100, heartbeatTimeoutMs: 100 } as const;
/** Reconnect 20 → 200 ms, as the harness rules ask. */
export const FAST_RECONNECT = { initialDelayMs: 20, factor: 1.6, maxDelayMs: 200, jitter: 0.2 };

/** An in-process server on 127.0.0.1:0 with what its hooks reported; closed after the test. */
export async function startServer<C extends AnyContract, Ctx = undefined>(
  contract: C,
  options: ServerOptions<C, Ctx> = {},
  setup?: (server: SockwireServer<C, Ctx>) => void,
  port = 0,
) {
  const server = createServer(contract, options);
  const opened: Array<{ conn: ServerConnection<C, Ctx>; at: number }> = [];
  const closed: Array<{ conn: ServerConnection<C, Ctx>; info: DisconnectInfo; at: number }> = [];
  const errors: Array<{ code: string }> = [];
  server.onConnection((conn) => opened.push({ conn, at: performance.now() }));
  server.onDisconnect((conn, info) => closed.push({ conn, info, at: performance.now() }));
  server.onError((error) => errors.push({ code: error.code }));
  setup?.(server);
  onTestFinished(() => server.close({ timeoutMs: 200 }));
  const address = await server.listen({ host: "127.0.0.1", port });
  return { server, port: address.port, opened, closed, errors };
}

/** A real client, destroyed after the test if it is still around. */
export function client<C extends AnyContract>(
  contract: C,
  options: ClientOptions<C>,
): SockwireClient<C> {
  const c = createClient(contract, { reconnect: FAST_RECONNECT, closeTimeoutMs: 2000, ...options });
  onTestFinished(() => c.destroy());
  return c;
}

/** A chaos proxy to `port`, closed after the test. */
export async function proxyTo(port: number, keepHistory = false): Promise<ChaosProxy> {
  const proxy = await ChaosProxy.start({ port, keepHistory });
  onTestFinished(() => proxy.close());
  return proxy;
}

/** A server in its own process (src/server/child.ts), stopped after the test. */
export async function serverProcess(
  options: ChildConfig["options"] = {},
  { tickMs = 0, keepReports = true } = {},
): Promise<ServerProcess> {
  const server = await ServerProcess.start({ options, tickMs }, keepReports);
  onTestFinished(() => server.stop());
  await server.listen(0);
  return server;
}
