import { defineContract } from "@sockwire/protocol";
import { z } from "zod";

/** Text the server greets every client with, exactly as the article's server sends it. */
export const GREETING_TEXT = "Server Say Hello";

/**
 * Longest message text the demo accepts, in UTF-16 code units. The article's server read into a
 * 1024-byte buffer and silently cut anything longer; here the bound is explicit and checked on
 * both sides by the contract (64 KiB stays far below the 1 MiB frame limit even when every
 * character takes several bytes of JSON).
 */
export const MAX_TEXT_LENGTH = 64 * 1024;

/** Host both demos use unless `--host` says otherwise (the article's address). */
export const DEFAULT_HOST = "127.0.0.1";

/** Port both demos use unless `--port` says otherwise (the article's port). */
export const DEFAULT_PORT = 18888;

const text = z.string().max(MAX_TEXT_LENGTH);

/**
 * The messages the demo server and client exchange over the framed protocol: the client sends
 * `message` events (one per line the article's client wrote), the server answers every new
 * connection with one `greeting` event.
 *
 * @example
 * ```ts
 * import { createServer } from "@sockwire/server";
 * import { demoContract, GREETING_TEXT } from "demo-contract";
 *
 * const server = createServer(demoContract);
 * server.onConnection((conn) => void conn.emit("greeting", { text: GREETING_TEXT }));
 * server.on("message", ({ text }) => console.log(text));
 * ```
 */
export const demoContract = defineContract({
  name: "sockwire-demo",
  client: { events: { message: z.object({ text }) } },
  server: { events: { greeting: z.object({ text }) } },
});

/** The type of {@link demoContract}, for helpers that take it as a parameter. */
export type DemoContract = typeof demoContract;
