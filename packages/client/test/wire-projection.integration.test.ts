import { defineContract, type Envelope, FrameDecoder, Kind, kindName } from "@sockwire/protocol";
import { afterEach, describe, expect, it } from "vitest";
import { z } from "zod";
import { Harness } from "./support/harness.js";

// What goes on the wire is only what the contract declares: a value with a key its schema does
// not declare (a database row with its password hash) is sent without that key, in every kind
// of message and in both directions. A recording proxy between client and server sees every
// byte; the key must be in no frame.

const SECRET = "passwordHash";
const user = z.object({ id: z.number(), name: z.string() });

const contract = defineContract({
  name: "wire-projection",
  credentials: z.object({ token: z.string() }),
  client: {
    events: { report: user },
    requests: { lookup: { input: z.object({ id: z.number() }), output: user } },
  },
  server: {
    events: { updated: user },
    requests: { confirm: { input: user, output: z.object({ ok: z.boolean() }) } },
  },
});

/** A row as a database would hand it over: more than the contract declares. */
function row(id: number): { id: number; name: string; passwordHash: string } {
  return { id, name: `user ${id}`, [SECRET]: `hash-${id}` } as never;
}

/** Every envelope in the recorded bytes of one direction. */
function envelopes(chunks: Buffer[]): Envelope[] {
  const decoder = new FrameDecoder({ maxFrameBytes: 1 << 20 });
  const out: Envelope[] = [];
  for (const chunk of chunks) {
    decoder.push(chunk);
    for (let env = decoder.nextEnvelope(); env; env = decoder.nextEnvelope()) out.push(env);
  }
  expect(decoder.error).toBeUndefined();
  return out;
}

const harness = new Harness();
afterEach(() => harness.cleanup());

describe("undeclared keys never reach the wire", () => {
  it("in events, broadcasts, requests and responses both ways, and in the credentials", async () => {
    let reports = 0;
    const { server, port } = await harness.server(contract, {}, (s) => {
      s.on("report", () => {
        reports++;
      });
      s.handle("lookup", ({ id }) => row(id));
    });
    const proxy = await harness.proxy(port);
    const client = harness.client(contract, {
      port: proxy.port,
      credentials: { token: "t", [SECRET]: "credential-hash" } as never,
    });
    client.handle("confirm", () => ({ ok: true, [SECRET]: "answer-hash" }) as never);
    const updates: unknown[] = [];
    client.on("updated", (u) => updates.push(u));
    await client.connect();
    const conn = [...server.connections.values()][0];
    if (!conn) throw new Error("no connection");
    conn.join("room");

    await client.emit("report", row(1));
    expect(await client.request("lookup", { id: 2 })).toEqual({ id: 2, name: "user 2" });
    await conn.emit("updated", row(3));
    server.broadcast("updated", row(4));
    server.to("room").emit("updated", row(5));
    server.emitTo(conn.id, "updated", row(6));
    expect(await conn.request("confirm", row(7))).toEqual({ ok: true });
    await expect.poll(() => updates.length).toBe(4);
    await expect.poll(() => reports).toBe(1);

    const up = envelopes(proxy.recorded.toUpstream);
    const down = envelopes(proxy.recorded.toClient);
    // Acknowledgements (resumable sessions) carry no value; whether one went by depends on timing.
    const kinds = (list: Envelope[]) =>
      new Set(list.filter((e) => e.kind !== Kind.ACK).map((e) => kindName(e.kind)));
    // Every kind that carries a value went by, each way.
    expect(kinds(up)).toEqual(new Set(["hello", "event", "request", "response"]));
    expect(kinds(down)).toEqual(new Set(["welcome", "event", "request", "response"]));
    for (const env of [...up, ...down]) {
      expect(env.payload.toString("utf8"), `${kindName(env.kind)} frame`).not.toContain(SECRET);
    }
    const hello = up.find((e) => e.kind === Kind.HELLO);
    expect(JSON.parse(hello?.payload.toString("utf8") ?? "{}").credentials).toEqual({
      token: "t",
    });
  });
});
