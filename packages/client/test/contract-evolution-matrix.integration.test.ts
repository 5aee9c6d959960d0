import {
  type AnyContract,
  defineContract,
  ErrorCode,
  type SockwireError,
} from "@sockwire/protocol";
import { afterEach, describe, expect, test } from "vitest";
import { type ZodType, z } from "zod";
import type { ClientStatus } from "../src/index.js";
import { Harness, until } from "./support/harness.js";

// The rolling-upgrade matrix: one row per line of the "Evolution rules" table of PROTOCOL.md 7.6
// (with a variant where a cell depends on the object's unknown-key mode), each applied to one
// message, `subject`, at a chosen position: a client event, a request's input or output (of a
// client or a server request), a server event. Every row connects both ways over real sockets,
// an old client with a new server and a new client with an old server. The expected outcome is
// read from the table: the pairing whose receiver of the changed flow is new uses the "new
// receives old" cell, the other the "old receives new" cell; a breaking cell disables `subject`
// on that connection, a safe one leaves it working end to end.

const h = new Harness();
afterEach(() => h.cleanup());

type Cell = "safe" | "breaking";
type Side = "client" | "server";

/**
 * Where the change is made: which message of `subject` and, for a request, which half. A row
 * that adds or removes the whole message names it without a half.
 */
type Position =
  | "client event"
  | "client request input"
  | "client request output"
  | "client request"
  | "server event"
  | "server request input"
  | "server request output"
  | "server request";

interface Row {
  /** The change, as the rules table words it. */
  change: string;
  at: Position;
  /** The two cells of the rules table. */
  newReceivesOld: Cell;
  oldReceivesNew: Cell;
  /** The changed schema in each version and a value its sender writes; absent: no message. */
  old?: [ZodType, unknown];
  new?: [ZodType, unknown];
}

const s = z.string();
const id = { id: "1" };
// biome-ignore format: the rules table, one row per entry
const rows: Row[] = [
  { change: "add an optional field (old object strips)", at: "client request input",
    newReceivesOld: "safe", oldReceivesNew: "safe",
    old: [z.object({ id: s }), id],
    new: [z.object({ id: s, note: s.optional() }), { id: "1", note: "n" }] },
  { change: "add an optional field (old object strict)", at: "server event",
    newReceivesOld: "safe", oldReceivesNew: "breaking",
    old: [z.strictObject({ id: s }), id],
    new: [z.strictObject({ id: s, note: s.optional() }), { id: "1", note: "n" }] },
  { change: "add a field with a default (old object strips)", at: "client event",
    newReceivesOld: "safe", oldReceivesNew: "safe",
    old: [z.object({ id: s }), id],
    new: [z.object({ id: s, level: z.number().default(1) }), id] },
  { change: "add a field with a default (old object strict)", at: "server request output",
    newReceivesOld: "safe", oldReceivesNew: "breaking",
    old: [z.strictObject({ ok: z.boolean() }), { ok: true }],
    new: [z.strictObject({ ok: z.boolean(), level: z.number().default(1) }), { ok: true }] },
  { change: "add a required field (old object strips)", at: "client request output",
    newReceivesOld: "breaking", oldReceivesNew: "safe",
    old: [z.object({ a: s }), { a: "x" }],
    new: [z.object({ a: s, b: s }), { a: "x", b: "y" }] },
  { change: "add a required field (old object strict)", at: "server request input",
    newReceivesOld: "breaking", oldReceivesNew: "breaking",
    old: [z.strictObject({ q: s }), { q: "x" }],
    new: [z.strictObject({ q: s, r: s }), { q: "x", r: "y" }] },
  { change: "remove an optional field", at: "server event",
    newReceivesOld: "safe", oldReceivesNew: "safe",
    old: [z.object({ id: s, note: s.optional() }), { id: "1", note: "n" }],
    new: [z.object({ id: s }), id] },
  { change: "remove a field with a default", at: "server request input",
    newReceivesOld: "safe", oldReceivesNew: "safe",
    old: [z.object({ q: s, level: z.number().default(1) }), { q: "x", level: 2 }],
    new: [z.object({ q: s }), { q: "x" }] },
  { change: "remove a required field (new object strips)", at: "client event",
    newReceivesOld: "safe", oldReceivesNew: "breaking",
    old: [z.object({ id: s, text: s }), { id: "1", text: "t" }],
    new: [z.object({ id: s }), id] },
  { change: "remove a required field (new object strict)", at: "client request output",
    newReceivesOld: "breaking", oldReceivesNew: "breaking",
    old: [z.strictObject({ a: s, b: s }), { a: "x", b: "y" }],
    new: [z.strictObject({ a: s }), { a: "x" }] },
  { change: "make a field required", at: "server request output",
    newReceivesOld: "breaking", oldReceivesNew: "safe",
    old: [z.object({ ok: z.boolean(), note: s.optional() }), { ok: true }],
    new: [z.object({ ok: z.boolean(), note: s }), { ok: true, note: "n" }] },
  { change: "make a field optional", at: "server event",
    newReceivesOld: "safe", oldReceivesNew: "breaking",
    old: [z.object({ id: s, text: s }), { id: "1", text: "t" }],
    new: [z.object({ id: s, text: s.optional() }), id] },
  { change: "add an enum member", at: "client request output",
    newReceivesOld: "safe", oldReceivesNew: "breaking",
    old: [z.object({ state: z.enum(["queued", "done"]) }), { state: "done" }],
    new: [z.object({ state: z.enum(["queued", "done", "failed"]) }), { state: "failed" }] },
  { change: "add a union option", at: "client event",
    newReceivesOld: "safe", oldReceivesNew: "breaking",
    old: [z.union([s, z.number()]), 7],
    new: [z.union([s, z.number(), z.boolean()]), true] },
  { change: "remove an enum member", at: "server event",
    newReceivesOld: "breaking", oldReceivesNew: "safe",
    old: [z.object({ state: z.enum(["a", "b", "c"]) }), { state: "c" }],
    new: [z.object({ state: z.enum(["a", "b"]) }), { state: "b" }] },
  { change: "widen a bound", at: "server request input",
    newReceivesOld: "safe", oldReceivesNew: "breaking",
    old: [s.max(10), "short"],
    new: [s.max(20), "a bit longer now"] },
  { change: "narrow a bound", at: "client request input",
    newReceivesOld: "breaking", oldReceivesNew: "safe",
    old: [z.object({ n: z.number().int().min(0).max(100) }), { n: 80 }],
    new: [z.object({ n: z.number().int().min(0).max(50) }), { n: 40 }] },
  { change: "integer -> number", at: "server request output",
    newReceivesOld: "safe", oldReceivesNew: "breaking",
    old: [z.object({ n: z.number().int() }), { n: 3 }],
    new: [z.object({ n: z.number() }), { n: 2.5 }] },
  { change: "literal -> its base type", at: "client event",
    newReceivesOld: "safe", oldReceivesNew: "breaking",
    old: [z.object({ kind: z.literal("a") }), { kind: "a" }],
    new: [z.object({ kind: s }), { kind: "zz" }] },
  { change: "anything -> unknown", at: "server event",
    newReceivesOld: "safe", oldReceivesNew: "breaking",
    old: [s, "x"],
    new: [z.unknown(), { any: 1 }] },
  { change: "anything -> unknown (the old one was any)", at: "client request input",
    newReceivesOld: "safe", oldReceivesNew: "safe",
    old: [z.any(), { x: 1 }],
    new: [z.unknown(), [2]] },
  { change: "make a value nullable", at: "client request output",
    newReceivesOld: "safe", oldReceivesNew: "breaking",
    old: [z.object({ a: s }), { a: "x" }],
    new: [z.object({ a: s.nullable() }), { a: null }] },
  { change: "change a type", at: "client request input",
    newReceivesOld: "breaking", oldReceivesNew: "breaking",
    old: [z.object({ n: z.number() }), { n: 1 }],
    new: [z.object({ n: s }), { n: "1" }] },
  // Strict is "breaking when the sender keeps undeclared keys or declares a key the new one
  // lacks": neither here, then each in turn.
  { change: "strip -> strict object (same keys)", at: "server request input",
    newReceivesOld: "safe", oldReceivesNew: "safe",
    old: [z.object({ q: s }), { q: "x" }],
    new: [z.strictObject({ q: s }), { q: "x" }] },
  { change: "loose -> strict object (the sender keeps undeclared keys)", at: "client event",
    newReceivesOld: "breaking", oldReceivesNew: "safe",
    old: [z.looseObject({ id: s }), id],
    new: [z.strictObject({ id: s }), id] },
  { change: "strip -> strict object (the sender declares a key it lacks)", at: "server request output",
    newReceivesOld: "breaking", oldReceivesNew: "safe",
    old: [z.object({ ok: z.boolean(), note: s.optional() }), { ok: true, note: "n" }],
    new: [z.strictObject({ ok: z.boolean() }), { ok: false }] },
  // "Add a message": the old peer never sends it; a new sender's message is unknown to an old
  // receiver and disabled on that connection.
  { change: "add a message (a client request)", at: "client request",
    newReceivesOld: "safe", oldReceivesNew: "breaking",
    new: [z.object({ id: s }), id] },
  { change: "add a message (a server event)", at: "server event",
    newReceivesOld: "safe", oldReceivesNew: "breaking",
    new: [z.object({ id: s }), id] },
  // "Remove a message": breaking where an old sender still sends it; safe for the receiving side.
  { change: "remove a message (a client event)", at: "client event",
    newReceivesOld: "breaking", oldReceivesNew: "safe",
    old: [z.object({ id: s }), id] },
  { change: "remove a message (a server request)", at: "server request",
    newReceivesOld: "breaking", oldReceivesNew: "safe",
    old: [z.object({ id: s }), id] },
];

/** Sender, receiver and key of the flow a position changes. */
function flowOf(at: Position) {
  const [from, table, half] = at.split(" ") as [Side, string, "input" | "output" | undefined];
  const key = `${from}.${table}s.subject`;
  const to: Side = from === "client" ? "server" : "client";
  // A request's input flows from the side that declares it (the requester), its output back.
  const requester = from;
  if (half === "output") return { sender: to, receiver: from, requester, key, half };
  return { sender: from, receiver: to, requester, key, half };
}

/**
 * The contract "matrix" of one version: the same fixed messages (`note`, `ask`, `tick`), plus
 * `subject` with `schema` at position `at` when the version has it. The half of a request the
 * row leaves alone is `{id: string}` (input) or `{ok: boolean}` (output).
 */
function contractOf(at: Position, schema: ZodType | undefined): AnyContract {
  const [from, table, half] = at.split(" ");
  let subject = {};
  if (schema !== undefined && table === "event") subject = { subject: schema };
  if (schema !== undefined && table === "request") {
    const input = half === "output" ? z.object({ id: s }) : schema;
    const output = half === "output" ? schema : z.object({ ok: z.boolean() });
    subject = { subject: { input, output } };
  }
  const mine = (side: Side, kind: string) => (side === from && table === kind ? subject : {});
  return defineContract({
    name: "matrix",
    client: {
      events: { note: z.object({ text: s }), ...mine("client", "event") },
      requests: {
        ask: { input: z.object({ q: s }), output: z.object({ a: s }) },
        ...mine("client", "request"),
      },
    },
    server: {
      events: { tick: z.object({ n: z.number() }), ...mine("server", "event") },
      requests: { ...mine("server", "request") },
    },
  });
}

// The two ends are built from different contracts on purpose: names are checked at run time.
// biome-ignore lint/suspicious/noExplicitAny: see above.
type Loose = any;

interface Pair {
  client: Loose;
  conn: Loose;
  clientErrors: SockwireError[];
  serverErrors: SockwireError[];
  opened: ClientStatus[];
  /** What `subject`'s handlers received, on each side. */
  received: Record<Side, unknown[]>;
}

/**
 * A server on `serverContract` and a connected client on `clientContract`. Each side handles
 * `subject` if its contract has it there, recording what arrives and answering `answers[side]`.
 */
async function connectPair(
  serverContract: AnyContract,
  clientContract: AnyContract,
  answers: Record<Side, unknown>,
): Promise<Pair> {
  const received: Pair["received"] = { client: [], server: [] };
  const record = (side: Side) => (data: unknown) => {
    received[side].push(data);
    return answers[side];
  };
  const serverErrors: SockwireError[] = [];
  const { server, port } = await h.server(serverContract, {}, (srv: Loose) => {
    srv.onError((e: SockwireError) => serverErrors.push(e));
    srv.handle("ask", ({ q }: { q: string }) => ({ a: q }));
    if (serverContract.client.events.has("subject")) srv.on("subject", record("server"));
    if (serverContract.client.requests.has("subject")) srv.handle("subject", record("server"));
  });
  const client: Loose = h.client(clientContract, { port, reconnect: false });
  const clientErrors: SockwireError[] = [];
  const opened: ClientStatus[] = [];
  client.onError((e: SockwireError) => clientErrors.push(e));
  client.onStatus((status: ClientStatus) => {
    if (status.state === "open") opened.push(status);
  });
  if (clientContract.server.events.has("subject")) client.on("subject", record("client"));
  if (clientContract.server.requests.has("subject")) client.handle("subject", record("client"));
  await client.connect();
  const conn = [...server.connections.values()][0];
  return { client, conn, clientErrors, serverErrors, opened, received };
}

const pairings = [
  { name: "old client, new server", client: "old", server: "new" },
  { name: "new client, old server", client: "new", server: "old" },
] as const;

const reports = (errors: SockwireError[], code: string) =>
  errors.filter((e) => e.code === code).length;

describe.each(rows)("$change, at the $at", (row) => {
  const flow = flowOf(row.at);

  test.each(pairings)("$name", async (pairing) => {
    const version = { client: pairing.client, server: pairing.server };
    // The rules table: which cell applies is whether the receiver of the changed flow is new.
    const cell = version[flow.receiver] === "new" ? row.newReceivesOld : row.oldReceivesNew;
    const expected = cell === "breaking" ? [flow.key] : [];

    const [senderSchema, sent] = row[version[flow.sender]] ?? [undefined, undefined];
    const [receiverSchema] = row[version[flow.receiver]] ?? [undefined];
    const input = flow.half === "output" ? { id: "1" } : sent;
    const answerOf = (side: Side) =>
      flow.half === "output" && flow.sender === side ? sent : { ok: true };
    const pair = await connectPair(
      contractOf(row.at, row[version.server]?.[0]),
      contractOf(row.at, row[version.client]?.[0]),
      { client: answerOf("client"), server: answerOf("server") },
    );

    // Both ends hold the same terms, and the client's open status lists them.
    expect(pair.client.disabledMessages).toEqual(expected);
    expect(pair.conn.disabledMessages).toEqual(expected);
    expect(pair.opened).toMatchObject([{ state: "open", disabled: expected }]);

    const requester = flow.requester === "client" ? pair.client : pair.conn;
    const handled = pair.received[flow.requester === "client" ? "server" : "client"];
    const send = (): Promise<unknown> =>
      flow.key.includes(".events.")
        ? requester.emit("subject", sent)
        : requester.request("subject", input, { timeoutMs: 2000 });

    if (expected.length > 0) {
      await expect(send()).rejects.toMatchObject({
        code: ErrorCode.MESSAGE_DISABLED,
        details: { message: flow.key },
      });
    } else if (senderSchema !== undefined && receiverSchema !== undefined) {
      // Usable, so it works end to end: what arrives is what the receiver's schema reads of
      // what the sender's schema writes (a message only one side has is never sent).
      const arrives = receiverSchema.parse(senderSchema.parse(sent));
      const answer = await send();
      await until(() => handled.length === 1, 2000, "subject at its handler");
      if (flow.half === "output") expect(answer).toEqual(arrives);
      else expect(handled).toEqual([arrives]);
      if (flow.half === "input") expect(answer).toEqual({ ok: true });
    }

    // The rest of the contract works; each side reports the differences once, or not at all.
    expect(await pair.client.request("ask", { q: "still" })).toEqual({ a: "still" });
    const once = expected.length > 0 ? 1 : 0;
    expect(reports(pair.clientErrors, ErrorCode.CONTRACT_DIFFERS)).toBe(once);
    expect(reports(pair.serverErrors, ErrorCode.CONTRACT_DIFFERS)).toBe(once);
    expect(pair.clientErrors.length + pair.serverErrors.length).toBe(2 * once);
  });
});
