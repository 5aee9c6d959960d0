// Compiled on its own with `exactOptionalPropertyTypes` by ../exact-optional-types.test.ts (and,
// without it, by the package typecheck). Under that flag `host?: string` refuses an explicit
// `undefined`, which is what a strict project passes when it forwards a setting of its own that
// may be unset; every optional option of the client must take it, as it does at run time.

import {
  type ClientOptions,
  connect,
  createClient,
  defineContract,
  type EmitOptions,
  type EventStreamOptions,
  type OfflineQueueOptions,
  type ReconnectOptions,
  type RequestOptions,
  type SockwireClient,
} from "@sockwire/client";
import type {
  DecodeOptions,
  EncodeOptions,
  EnvelopeHeader,
  FrameDecoderOptions,
  JsonCodecOptions,
  SockwireErrorOptions,
} from "@sockwire/protocol";
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
  server: { events: { done: z.object({ job: z.string() }) } },
});

/** A `T` with an explicit `undefined` in each of its optional properties. */
declare function withUndefined<T>(): {
  [K in keyof T]-?: object extends Pick<T, K> ? undefined : T[K];
};
type CloseOptions = NonNullable<Parameters<SockwireClient["close"]>[0]>;

/** Every public option type of the client; an error here names the property that refuses. */
export function everyOptionalProperty(): unknown[] {
  return [
    withUndefined<ClientOptions>() satisfies ClientOptions,
    withUndefined<ClientOptions<typeof jobs>>() satisfies ClientOptions<typeof jobs>,
    withUndefined<ReconnectOptions>() satisfies ReconnectOptions,
    withUndefined<OfflineQueueOptions>() satisfies OfflineQueueOptions,
    withUndefined<EmitOptions>() satisfies EmitOptions,
    withUndefined<RequestOptions>() satisfies RequestOptions,
    withUndefined<EventStreamOptions>() satisfies EventStreamOptions,
    withUndefined<CloseOptions>() satisfies CloseOptions,
    // The protocol's own, which reach client code too (`codec: jsonCodec({ maxDepth })`...).
    withUndefined<JsonCodecOptions>() satisfies JsonCodecOptions,
    withUndefined<EncodeOptions>() satisfies EncodeOptions,
    withUndefined<DecodeOptions>() satisfies DecodeOptions,
    withUndefined<EnvelopeHeader>() satisfies EnvelopeHeader,
    withUndefined<FrameDecoderOptions>() satisfies FrameDecoderOptions,
    withUndefined<SockwireErrorOptions>() satisfies SockwireErrorOptions,
  ];
}

/** Settings as a strict application holds them: each may be unset. */
interface Settings {
  host?: string | undefined;
  port: number;
  token?: string | undefined;
  timeoutMs?: number | undefined;
  retries?: number | undefined;
  signal?: AbortSignal | undefined;
}

/** The calls a service makes, forwarding its settings as they are. Only compiled, never run. */
export async function forwardSettings(s: Settings): Promise<void> {
  const client = createClient(jobs, {
    host: s.host,
    port: s.port,
    credentials: s.token === undefined ? undefined : { token: s.token },
    connectTimeoutMs: s.timeoutMs,
    signal: s.signal,
    reconnect: { maxAttempts: s.retries, initialDelayMs: undefined },
    offlineQueue: { maxBytes: undefined, maxMessages: s.retries },
    requestTimeoutMs: s.timeoutMs,
    tls: undefined,
    codec: undefined,
  });
  await client.connect();
  await client.emit("log", { line: "started" }, { offline: undefined, expireAfterMs: s.timeoutMs });
  const { ok } = await client.request(
    "run",
    { job: "build" },
    { timeoutMs: s.timeoutMs, signal: s.signal, idempotent: undefined },
  );
  for await (const done of client.events("done", { signal: s.signal, bufferSize: undefined })) {
    if (ok && done.job === "build") break;
  }
  await client.close({ timeoutMs: s.timeoutMs });
  await using other = await connect(jobs, { port: s.port, host: s.host, tls: undefined });
  await other.request("run", { job: "test" }, { timeoutMs: undefined });
}
