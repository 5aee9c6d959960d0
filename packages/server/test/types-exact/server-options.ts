// Compiled on its own with `exactOptionalPropertyTypes` by ../exact-optional-types.test.ts (and,
// without it, by the package typecheck). Under that flag `port?: number` refuses an explicit
// `undefined`, which is what a strict project passes when it forwards a setting of its own that
// may be unset; every optional option of the server must take it, as it does at run time.

import { defineContract } from "@sockwire/protocol";
import {
  type BroadcastOptions,
  type CloseOptions,
  createServer,
  type ListenOptions,
  type ServerConnection,
  type ServerOptions,
} from "@sockwire/server";
import { z } from "zod";

const jobs = defineContract({
  name: "jobs",
  credentials: z.object({ token: z.string() }),
  client: {
    events: { log: z.object({ line: z.string() }) },
    requests: {
      run: { input: z.object({ job: z.string() }), output: z.object({ ok: z.boolean() }) },
    },
  },
  server: {
    events: { done: z.object({ job: z.string() }) },
    requests: { confirm: { input: z.object({ job: z.string() }), output: z.boolean() } },
  },
});

/** A `T` with an explicit `undefined` in each of its optional properties. */
declare function withUndefined<T>(): {
  [K in keyof T]-?: object extends Pick<T, K> ? undefined : T[K];
};
type ConnectionRequestOptions = NonNullable<Parameters<ServerConnection["request"]>[2]>;
type JobsServerOptions = ServerOptions<typeof jobs, string>;

/** Every public option type of the server; an error here names the property that refuses. */
export function everyOptionalProperty(): unknown[] {
  return [
    withUndefined<ServerOptions>() satisfies ServerOptions,
    withUndefined<JobsServerOptions>() satisfies JobsServerOptions,
    withUndefined<ListenOptions>() satisfies ListenOptions,
    withUndefined<CloseOptions>() satisfies CloseOptions,
    withUndefined<BroadcastOptions>() satisfies BroadcastOptions,
    withUndefined<ConnectionRequestOptions>() satisfies ConnectionRequestOptions,
  ];
}

/** Settings as a strict application holds them: each may be unset. */
interface Settings {
  host?: string | undefined;
  port?: number | undefined;
  timeoutMs?: number | undefined;
  maxConnections?: number | undefined;
  signal?: AbortSignal | undefined;
}

/** The calls a service makes, forwarding its settings as they are. Only compiled, never run. */
export async function forwardSettings(s: Settings): Promise<void> {
  const server = createServer(jobs, {
    maxConnections: s.maxConnections,
    handshakeTimeoutMs: s.timeoutMs,
    tls: undefined,
    authenticate: ({ token }) => token,
    adapter: undefined,
  });
  server.onConnection(async (conn) => {
    const ok = await conn.request(
      "confirm",
      { job: "build" },
      { timeoutMs: s.timeoutMs, signal: s.signal },
    );
    server.broadcast("done", { job: "build" }, { except: ok ? conn : undefined, local: undefined });
    server.to("builders").emit("done", { job: "build" }, { filter: undefined, except: undefined });
  });
  await server.listen({ host: s.host, port: s.port, backlog: undefined });
  await server.close({ timeoutMs: s.timeoutMs, reconnectAfterMs: undefined });
}
