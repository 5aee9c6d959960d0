import { randomBytes } from "node:crypto";
import { monitorEventLoopDelay } from "node:perf_hooks";
import { ErrorCode, encodeEnvelope, Kind, reasonSchema, WireCode } from "@sockwire/protocol";
import fc from "fast-check";
import { describe, expect, test } from "vitest";
import { testContract } from "./helpers/contract.js";
import { startServer } from "./helpers/harness.js";
import { RawPeer } from "./helpers/raw-peer.js";
import { sleep, until } from "./helpers/wait.js";

const MiB = 1024 * 1024;

function prefix(length: number): Buffer {
  const header = Buffer.alloc(4);
  header.writeUInt32BE(length >>> 0);
  return header;
}

function echoServer(
  server: Parameters<NonNullable<Parameters<typeof startServer<typeof testContract>>[2]>>[0],
) {
  server.handle("echo", (input) => input);
  server.handle("strict", ({ n }) => ({ n }));
  server.handle("bag", (input) => ({ keys: Object.keys(input) }));
}

describe("oversized length prefix (case 2)", () => {
  for (const [name, length] of [
    ["0xFFFFFFFF", 0xffff_ffff],
    ["maxFrameBytes + 1", MiB + 1],
  ] as const) {
    for (const phase of ["before", "after"] as const) {
      test(`${name} ${phase} the handshake is refused with FRAME_TOO_LARGE and closed at once`, async () => {
        const run = await startServer(testContract);
        const peer = phase === "before" ? await run.raw() : await run.rawOpen();
        const start = performance.now();
        peer.write(prefix(length));
        await peer.waitClosed();
        const elapsed = performance.now() - start;
        expect(peer.connectionError()?.code).toBe(WireCode.FRAME_TOO_LARGE);
        expect(elapsed).toBeLessThan(2000);
        await until(() => run.server.stats().closesByReason.FRAME_TOO_LARGE === 1, "close counted");
        if (phase === "after") {
          expect(run.disconnects[0]?.info).toMatchObject({
            code: WireCode.FRAME_TOO_LARGE,
            initiator: "local",
          });
          expect(run.disconnects[0]?.info.error?.code).toBe(ErrorCode.FRAME_TOO_LARGE);
        } else {
          expect(run.errors[0]?.error.code).toBe(ErrorCode.FRAME_TOO_LARGE);
        }
      });
    }
  }
});

describe("frame size boundary (case 3)", () => {
  test("a request of exactly maxFrameBytes is delivered and echoed; one byte more is refused", async () => {
    const run = await startServer(testContract, {}, echoServer);
    const peer = await run.rawOpen({ maxFrameBytes: 2 * MiB });
    // body = 7 fixed + 4 ("echo") + JSON {"text":"..."} (11 + text bytes)
    const text = randomBytes(MiB)
      .toString("base64")
      .slice(0, MiB - 22);
    const exact = encodeEnvelope(
      { kind: Kind.REQUEST, id: 1, type: "echo" },
      JSON.stringify({ text }),
    );
    expect(exact.length - 4).toBe(MiB);
    peer.write(exact);
    const response = await peer.waitFor((e) => e.kind === Kind.RESPONSE && e.id === 1);
    expect(RawPeer.json(response)).toEqual({ text });

    const over = encodeEnvelope(
      { kind: Kind.REQUEST, id: 2, type: "echo" },
      JSON.stringify({ text: `${text}x` }),
    );
    expect(over.length - 4).toBe(MiB + 1);
    peer.write(over);
    await peer.waitClosed();
    expect(peer.connectionError()?.code).toBe(WireCode.FRAME_TOO_LARGE);
    expect(peer.frames.filter((e) => e.id === 2)).toEqual([]);
  });
});

describe("truncated and malformed frames (case 5)", () => {
  test("200 connections ending mid-frame or sending bad headers: each closes once with PROTOCOL_ERROR, no unhandled rejection", async () => {
    const run = await startServer(testContract, {}, echoServer);
    let unhandled = 0;
    const onUnhandled = () => void unhandled++;
    process.on("unhandledRejection", onUnhandled);
    const variants: Array<[string, Buffer, boolean]> = [
      ["truncated body then FIN", Buffer.concat([prefix(100), Buffer.alloc(50, 1)]), true],
      ["truncated prefix then FIN", Buffer.from([0, 0]), true],
      ["zero-length frame", prefix(0), false],
      ["unknown kind", Buffer.concat([prefix(7), Buffer.from([0x20, 0, 0, 0, 0, 0, 0])]), false],
      [
        "unknown required flag",
        Buffer.concat([prefix(7), Buffer.from([Kind.EVENT, 0x80, 0, 0, 0, 0, 0])]),
        false,
      ],
      [
        "type runs past the body",
        Buffer.concat([prefix(8), Buffer.from([Kind.EVENT, 0, 0, 0, 0, 0, 200, 0x61])]),
        false,
      ],
    ];
    const times: number[] = [];
    try {
      for (let i = 0; i < 200; i++) {
        const [, bytes, fin] = variants[i % variants.length] as [string, Buffer, boolean];
        const peer = await run.rawOpen();
        const start = performance.now();
        peer.write(bytes);
        if (fin) peer.end();
        await peer.waitClosed();
        times.push(performance.now() - start);
        if (!fin) expect(peer.connectionError()?.code).toBe(WireCode.PROTOCOL_ERROR);
      }
      await until(() => run.disconnects.length === 200, "200 disconnects");
    } finally {
      process.off("unhandledRejection", onUnhandled);
    }
    expect(unhandled).toBe(0);
    expect(run.disconnects.every((d) => d.info.code === WireCode.PROTOCOL_ERROR)).toBe(true);
    const truncations = run.disconnects.filter(
      (d) => d.info.error?.code === ErrorCode.FRAME_TRUNCATED,
    );
    expect(truncations).toHaveLength(Math.ceil(200 / 6) + Math.ceil(199 / 6));
    expect(new Set(run.disconnects.map((d) => d.conn)).size).toBe(200);
    times.sort((a, b) => a - b);
    expect(times.at(-1)).toBeLessThan(2000);
    console.info(
      `case 5: time to close p50 ${times[100]?.toFixed(1)} ms, max ${times.at(-1)?.toFixed(1)} ms`,
    );
    expect(run.server.stats()).toMatchObject({
      connections: 0,
      closesByReason: { PROTOCOL_ERROR: 200 },
    });
  });
});

describe("garbage inside well-formed frames (case 6)", () => {
  test("1000 random payloads: every request gets a coded error with its id; the connection stays open", async () => {
    const run = await startServer(testContract, {}, echoServer);
    const peer = await run.rawOpen({}, { keepFrames: true });
    let id = 0;
    await fc.assert(
      fc.asyncProperty(fc.uint8Array({ maxLength: 512 }), async (bytes) => {
        const requestId = ++id;
        peer.request(requestId, "echo", Buffer.from(bytes));
        const answer = await peer.waitFor(
          (e) => e.id === requestId && (e.kind === Kind.ERROR || e.kind === Kind.RESPONSE),
        );
        if (answer.kind === Kind.ERROR) {
          expect([WireCode.INVALID_PAYLOAD, WireCode.VALIDATION_ERROR]).toContain(
            RawPeer.reason(answer).code,
          );
        } else {
          expect(RawPeer.json(answer)).toMatchObject({ text: expect.any(String) });
        }
      }),
      { numRuns: 1000, seed: 20_261_124 },
    );
    expect(peer.ended).toBe(false);
    expect(run.disconnects).toEqual([]);
  });

  test("random whole bodies never take the server down; other connections keep working", async () => {
    const run = await startServer(testContract, {}, echoServer);
    const neighbour = await run.client();
    const bodies = fc.sample(fc.uint8Array({ minLength: 0, maxLength: 64 }), {
      numRuns: 100,
      seed: 7,
    });
    for (const body of bodies) {
      const peer = await run.rawOpen();
      peer.write(Buffer.concat([prefix(body.length), Buffer.from(body)]));
      peer.request(999, "echo", { text: "after garbage" });
      await peer.waitUntil(
        () => peer.ended || peer.frames.some((e) => e.id === 999),
        "answer or close",
      );
      peer.destroy();
    }
    await expect(neighbour.request("echo", { text: "alive" })).resolves.toEqual({ text: "alive" });
  });
});

describe("schema-invalid messages (case 7)", () => {
  test("wrong types, extra keys and 1 MiB bad inputs get a small VALIDATION_ERROR with the id; the connection stays open", async () => {
    const run = await startServer(testContract, {}, echoServer);
    const peer = await run.rawOpen();
    const big = "x".repeat(MiB - 200);
    const inputs: unknown[] = [
      { n: "1" },
      { n: 1.5 },
      { n: 1, extra: true },
      { n: big },
      { n: 1, [big.slice(0, 900_000)]: 1 },
      [],
    ];
    for (const [i, input] of inputs.entries()) peer.request(i + 1, "strict", input);
    for (let i = 0; i < inputs.length; i++) {
      const env = await peer.waitFor((e) => e.kind === Kind.ERROR && e.id === i + 1);
      const reason = reasonSchema.parse(JSON.parse(env.payload.toString()));
      expect(reason.code).toBe(WireCode.VALIDATION_ERROR);
      expect(env.payload.length).toBeLessThanOrEqual(2048);
    }
    peer.request(50, "strict", { n: 3 });
    expect(RawPeer.json(await peer.waitFor((e) => e.id === 50))).toEqual({ n: 3 });
  });
});

describe("prototype poisoning (case 8)", () => {
  const before = Object.getOwnPropertyNames(Object.prototype).sort();

  test("poisoning keys are stripped before handlers see the data", async () => {
    const seen: Array<Record<string, unknown>> = [];
    const run = await startServer(testContract, {}, (server) => {
      echoServer(server);
      server.on("bag", (data) => void seen.push(data));
    });
    const peer = await run.rawOpen();
    const text =
      '{"__proto__":{"isAdmin":true},"constructor":{"prototype":{"polluted":1}},"toString":"s","nested":{"__proto__":{"deep":1},"list":[{"__proto__":{"x":1}}]}}';
    peer.write(encodeEnvelope({ kind: Kind.EVENT, type: "bag" }, text));
    peer.write(encodeEnvelope({ kind: Kind.REQUEST, id: 1, type: "bag" }, text));
    peer.write(encodeEnvelope({ kind: Kind.REQUEST, id: 2, type: "echo" }, text));
    await until(() => seen.length === 1, "event");
    const data = seen[0] as Record<string, unknown>;
    expect(Object.getPrototypeOf(data)).toBe(Object.prototype);
    expect(data.isAdmin).toBeUndefined();
    expect(Object.keys(data).sort()).toEqual(["nested", "toString"]);
    expect(Object.hasOwn(data.nested as object, "__proto__")).toBe(false);
    const keys = RawPeer.json(await peer.waitFor((e) => e.id === 1)) as { keys: string[] };
    expect(keys.keys.sort()).toEqual(["nested", "toString"]);
    const error = await peer.waitFor((e) => e.id === 2);
    expect(RawPeer.reason(error).code).toBe(WireCode.VALIDATION_ERROR);
    expect(({} as Record<string, unknown>).isAdmin).toBeUndefined();
    expect(({} as Record<string, unknown>).polluted).toBeUndefined();
    expect(Object.getOwnPropertyNames(Object.prototype).sort()).toEqual(before);
  });

  test("property: random JSON with injected poisoning keys never pollutes Object.prototype", async () => {
    const run = await startServer(testContract, {}, echoServer);
    const peer = await run.rawOpen();
    const key = fc.constantFrom(
      "__proto__",
      "constructor",
      "prototype",
      "toString",
      "valueOf",
      "a",
    );
    const poisoned = fc.letrec((tie) => ({
      value: fc.oneof(
        { depthSize: "small", withCrossShrink: true },
        fc.jsonValue({ maxDepth: 2 }).map((v) => JSON.stringify(v)),
        fc
          .array(fc.tuple(key, tie("value")), { maxLength: 4 })
          .map((entries) => `{${entries.map(([k, v]) => `${JSON.stringify(k)}:${v}`).join(",")}}`),
      ),
    })).value as fc.Arbitrary<string>;
    let id = 100;
    await fc.assert(
      fc.asyncProperty(
        fc.array(fc.tuple(key, poisoned), { minLength: 1, maxLength: 4 }),
        async (entries) => {
          const text = `{${entries.map(([k, v]) => `${JSON.stringify(k)}:${v}`).join(",")}}`;
          const requestId = ++id;
          peer.write(encodeEnvelope({ kind: Kind.REQUEST, id: requestId, type: "bag" }, text));
          const answer = await peer.waitFor((e) => e.id === requestId);
          if (answer.kind === Kind.RESPONSE) {
            expect((RawPeer.json(answer) as { keys: string[] }).keys).not.toContain("__proto__");
          }
          expect(Object.getOwnPropertyNames(Object.prototype).sort()).toEqual(before);
        },
      ),
      { numRuns: 200, seed: 8 },
    );
  });
});

describe("deep nesting (case 9)", () => {
  test("[ x 500,000 inside 1 MiB is refused with INVALID_PAYLOAD without blocking the event loop", async () => {
    const run = await startServer(testContract, {}, echoServer);
    const peer = await run.rawOpen({ maxFrameBytes: 2 * MiB });
    const histogram = monitorEventLoopDelay({ resolution: 1 });
    histogram.enable();
    await sleep(20);
    try {
      peer.request(1, "echo", Buffer.from("[".repeat(500_000)));
      peer.event("say", Buffer.from(`{"text":${"[".repeat(500_000)}`));
      const reply = await peer.waitFor((e) => e.id === 1);
      expect(RawPeer.reason(reply).code).toBe(WireCode.INVALID_PAYLOAD);
      await until(() => run.errors.length === 1, "event report");
      expect(run.errors[0]?.error.code).toBe(ErrorCode.PAYLOAD_TOO_DEEP);
      await sleep(20);
    } finally {
      histogram.disable();
    }
    expect(histogram.count).toBeGreaterThan(0);
    const maxMs = histogram.max / 1e6;
    console.info(
      `case 9: event-loop delay max ${maxMs.toFixed(1)} ms while refusing 2 x 500k-deep payloads`,
    );
    expect(maxMs).toBeLessThan(250);
    peer.request(2, "echo", { text: "alive" });
    expect(RawPeer.json(await peer.waitFor((e) => e.id === 2))).toEqual({ text: "alive" });
  });
});
