import { createRequire } from "node:module";
import { createClient } from "@sockwire/client";
import { defineContract } from "@sockwire/protocol";
import { createServer } from "@sockwire/server";
import { z } from "zod";
import { type ChatPayload, chat, chatPayloadSchema } from "../message.js";
import {
  type BenchClient,
  type BenchServer,
  type ConnectOptions,
  type Contender,
  HIGH_WATER_BYTES,
  type ServerAddress,
} from "./types.js";

const version = (
  createRequire(import.meta.url)("@sockwire/server/package.json") as { version: string }
).version;

/**
 * The benchmark's contract: the chat message as a client event and a server event (fan-out), and
 * an echo request. sockwire validates every message against it on both ends (outbound before
 * sending, inbound before any handler), with its defaults for every limit and timer.
 */
export const benchContract = defineContract({
  name: "bench",
  client: {
    events: { chat: chatPayloadSchema },
    requests: {
      echo: { input: chatPayloadSchema, output: chatPayloadSchema },
      push: { input: z.object({ count: z.number().int().min(0) }), output: z.undefined() },
    },
    streams: {
      feed: { input: z.object({ count: z.number().int().min(0) }), item: chatPayloadSchema },
    },
  },
  server: { events: { chat: chatPayloadSchema } },
});

/** Settings of one sockwire contender: with resumable sessions (the default) or without. */
interface Variant {
  resume: boolean;
}

async function startServer(variant: Variant): Promise<BenchServer> {
  const server = createServer(benchContract, variant.resume ? {} : { resumeWindowMs: 0 });
  let chatHandler: (payload: ChatPayload) => void = () => {};
  server.on("chat", (data) => chatHandler(data));
  server.handle("echo", (input) => input);
  // Streaming: `count` messages as one stream, each yield waiting for the reader's credit.
  server.handleStream("feed", async function* ({ count }) {
    for (let seq = 0; seq < count; seq++) yield chat(seq);
  });
  // The same messages as plain events, with the one-way producer's backpressure.
  server.handle("push", async ({ count }, conn) => {
    for (let seq = 0; seq < count; seq++) {
      void conn.emit("chat", chat(seq)).catch(() => {});
      if (!conn.hasRoom) await conn.waitForRoom();
    }
    return undefined;
  });
  server.onError(() => {});
  const { port } = await server.listen({ host: "127.0.0.1", port: 0, backlog: 4096 });
  const hasRoom = (): boolean => {
    for (const conn of server.connections.values()) if (!conn.hasRoom) return false;
    return true;
  };
  return {
    address: { port },
    onChat(handler) {
      chatHandler = handler;
    },
    clientCount: () => server.connections.size,
    broadcast(payload) {
      server.broadcast("chat", payload);
    },
    hasRoom,
    async waitForRoom() {
      for (const conn of server.connections.values()) {
        if (!conn.hasRoom) await conn.waitForRoom().catch(() => {});
      }
    },
    close: () => server.close({ timeoutMs: 1000 }),
  };
}

async function connect(
  variant: Variant,
  address: ServerAddress,
  options: ConnectOptions = {},
): Promise<BenchClient> {
  const client = createClient(benchContract, {
    host: "127.0.0.1",
    port: address.port,
    // A client asks for resumption only when it would reconnect; one attempt bounds teardown.
    reconnect: { maxAttempts: 1 },
    resume: variant.resume,
  });
  let chatHandler: (payload: ChatPayload) => void = options.onChat ?? (() => {});
  // Registered before connect() so nothing sent right after the welcome is missed.
  client.on("chat", (data) => chatHandler(data));
  client.onError(() => {});
  await client.connect();
  let failed: unknown;
  const onSendError = (error: unknown): void => {
    failed ??= error;
  };
  // emit() returns one promise for every message queued in the same batch (and a fresh one for a
  // message refused at once), so one handler per distinct promise sees every failure.
  let watched: Promise<void> | undefined;
  return {
    send(payload) {
      if (failed) throw failed;
      const sent = client.emit("chat", payload);
      if (sent !== watched) {
        watched = sent;
        sent.catch(onSendError);
      }
    },
    // sendSoftBytes defaults to 1 MiB, the mark every contender uses.
    hasRoom: () => client.bufferedAmount < HIGH_WATER_BYTES,
    waitForRoom: () => client.waitForRoom(),
    request: (payload) => client.request("echo", payload),
    async streamItems(count) {
      let seq = 0;
      for await (const item of client.stream("feed", { count })) {
        if (item.seq !== seq) throw new Error(`item ${item.seq} arrived as number ${seq}`);
        seq++;
      }
      return seq;
    },
    async pushedItems(count) {
      let seq = 0;
      let bad: string | undefined;
      const done = new Promise<void>((resolve) => {
        chatHandler = (payload) => {
          if (payload.seq !== seq) bad ??= `event ${payload.seq} arrived as number ${seq}`;
          if (++seq === count) resolve();
        };
      });
      await client.request("push", { count }, { timeoutMs: 0 });
      if (count > 0) await done;
      chatHandler = options.onChat ?? (() => {});
      if (bad) throw new Error(bad);
      return seq;
    },
    close: () => client.close({ timeoutMs: 2000 }),
  };
}

/**
 * sockwire with its defaults: full validation on both ends, limits, heartbeats, coalesced
 * writes, resumable sessions (acknowledgements, replay buffers).
 */
export const contender: Contender = {
  name: "sockwire",
  label: `sockwire ${version}`,
  startServer: () => startServer({ resume: true }),
  connect: (address, options) => connect({ resume: true }, address, options),
};

/** The same with resumable sessions off on both ends: what resumption costs. */
export const contenderNoResume: Contender = {
  name: "sockwire-noresume",
  label: `sockwire ${version} (resumption off)`,
  startServer: () => startServer({ resume: false }),
  connect: (address, options) => connect({ resume: false }, address, options),
};
