// Compiled by ../misspelt-names.test.ts, which expects exactly one error on each line that ends
// in a `valid:` comment, naming its type as the parameter's, and none anywhere else. Every call
// below misspells its message name; the handlers and results use the fields of the message the
// name was meant to be, so an error that spread past the name would show up on their lines.
// The package typecheck leaves this folder out.

import type { SockwireClient } from "@sockwire/client";
import {
  decodeResponse,
  defineContract,
  type Envelope,
  encodeEvent,
  encodeRequest,
  encodeResponse,
} from "@sockwire/protocol";
import { createServer } from "@sockwire/server";
import { z } from "zod";

const jobs = defineContract({
  name: "jobs",
  client: {
    events: { log: z.object({ line: z.string() }), beat: z.number() },
    requests: {
      join: { input: z.object({ room: z.string() }), output: z.object({ members: z.number() }) },
      leave: { input: z.object({ id: z.number() }), output: z.object({ left: z.boolean() }) },
    },
  },
  server: {
    events: { done: z.object({ job: z.string() }), tick: z.number() },
    requests: {
      confirm: { input: z.object({ job: z.string() }), output: z.object({ ok: z.boolean() }) },
      ping: { input: z.number(), output: z.number() },
    },
  },
});

export async function clientCalls(client: SockwireClient<typeof jobs>): Promise<void> {
  await client.emit("lgo", { line: "x" }); // valid: "log" | "beat"
  const { members } = await client.request("jion", { room: "x" }); // valid: "join" | "leave"
  client.on("dnoe", (done) => done.job.length); // valid: "done" | "tick"
  client.once("dnoe", ({ job }) => job.length); // valid: "done" | "tick"
  client.off("dnoe", (done) => done.job.length); // valid: "done" | "tick"
  for await (const done of client.events("dnoe")) done.job.length; // valid: "done" | "tick"
  client.handle("comfirm", ({ job }) => ({ ok: job === String(members) })); // valid: "confirm" | "ping"
}

export function serverCalls(): void {
  const server = createServer(jobs);
  server.handle("jion", (input) => ({ members: input.room.length })); // valid: "join" | "leave"
  server.on("lgo", ({ line }, conn) => conn.join(line)); // valid: "log" | "beat"
  server.once("lgo", (log) => log.line.length); // valid: "log" | "beat"
  server.off("lgo", (log) => log.line.length); // valid: "log" | "beat"
  server.broadcast("dnoe", { job: "x" }); // valid: "done" | "tick"
  server.to("room").emit("dnoe", { job: "x" }); // valid: "done" | "tick"
  server.emitTo("id", "dnoe", { job: "x" }); // valid: "done" | "tick"
  server.onConnection(async (conn) => {
    await conn.emit("dnoe", { job: "x" }); // valid: "done" | "tick"
    const { ok } = await conn.request("comfirm", { job: "x" }); // valid: "confirm" | "ping"
    if (ok) conn.leave("room");
  });
}

export function protocolCalls(envelope: Envelope): number {
  encodeEvent(jobs, "client", "lgo", { line: "x" }); // valid: "log" | "beat"
  encodeRequest(jobs, "client", 1, "jion", { room: "x" }); // valid: "join" | "leave"
  encodeResponse(jobs, "client", 1, "jion", { members: 1 }); // valid: "join" | "leave"
  return decodeResponse(jobs, "client", "jion", envelope).members; // valid: "join" | "leave"
}
