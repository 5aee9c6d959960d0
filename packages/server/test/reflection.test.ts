import {
  AppError,
  canonicalContract,
  defineContract,
  ErrorCode,
  type Hello,
  Kind,
  WireCode,
} from "@sockwire/protocol";
import { reflectedForm } from "@sockwire/protocol/internal";
import { describe, expect, test } from "vitest";
import { z } from "zod";
import type { AuthenticateInfo } from "../src/index.js";
import { authContract, testContract } from "./helpers/contract.js";
import { startServer } from "./helpers/harness.js";
import { RawPeer } from "./helpers/raw-peer.js";
import { until } from "./helpers/wait.js";

// Reflection (PROTOCOL.md 8.1): a hello with `reflect: true` is answered with the server's whole
// contract form and a FIN when the `reflection` option is on, and refused with REFLECTION_DISABLED
// when it is off (the default). Credentials and authenticate apply as to any hello.

/** A reflecting hello: no contract of its own, any name unless `overrides` says otherwise. */
function reflecting(overrides: Partial<Hello> = {}): Partial<Hello> {
  return {
    protocol: { major: 1, minor: 1 },
    contract: { name: "", fingerprint: "" },
    maxFrameBytes: 64 * 1024 * 1024,
    reflect: true,
    ...overrides,
  };
}

/** Sends a reflecting hello and waits for the server's answer and its FIN. */
async function ask(peer: RawPeer, hello: Partial<Hello>) {
  peer.hello(testContract, hello);
  const answer = await peer.waitFor((e) => e.kind === Kind.CONTRACT || e.kind === Kind.REJECT);
  await peer.waitUntil(() => peer.ended, "FIN");
  return answer;
}

describe("reflection", () => {
  test("off by default: refused with REFLECTION_DISABLED before anything else, and reported", async () => {
    const run = await startServer(testContract);
    const peer = await run.raw();
    // A wrong name and codec too: a refused caller must not learn which contract this is.
    const answer = await ask(peer, reflecting({ contract: { name: "other", fingerprint: "" } }));
    expect(answer.kind).toBe(Kind.REJECT);
    expect(RawPeer.reason(answer).code).toBe(WireCode.REFLECTION_DISABLED);
    expect(RawPeer.reason(answer).message).not.toContain(testContract.name);
    await until(() => run.errors.length === 1, "reported");
    expect(run.errors[0]?.error.code).toBe(ErrorCode.REFLECTION_DISABLED);
    expect(run.server.stats()).toMatchObject({ rejected: 1, reflected: 0, opened: 0 });
  });

  test("on: one contract frame with the whole form, then FIN; no welcome, nothing reported", async () => {
    const run = await startServer(testContract, { reflection: true });
    const peer = await run.raw();
    const answer = await ask(peer, reflecting({ codec: "not-ours" }));
    expect(answer.kind).toBe(Kind.CONTRACT);
    expect(reflectedForm(answer)).toEqual(canonicalContract(testContract));
    expect(peer.frames.map((e) => e.kind)).toEqual([Kind.CONTRACT]);
    peer.end();
    await peer.waitClosed();
    await until(() => run.server.stats().reflected === 1, "counted");
    expect(run.server.stats()).toMatchObject({ opened: 0, rejected: 0, connections: 0 });
    expect(run.errors).toEqual([]);
    expect(run.opened).toEqual([]);
  });

  test("a name, when given, must be the server's", async () => {
    const run = await startServer(testContract, { reflection: true });
    const wrong = await ask(
      await run.raw(),
      reflecting({ contract: { name: "x", fingerprint: "" } }),
    );
    expect(RawPeer.reason(wrong).code).toBe(WireCode.CONTRACT_MISMATCH);
    const named = reflecting({ contract: { name: testContract.name, fingerprint: "" } });
    expect((await ask(await run.raw(), named)).kind).toBe(Kind.CONTRACT);
  });

  test("credentials are checked and authenticate runs, told that the hello asks for reflection", async () => {
    const seen: AuthenticateInfo[] = [];
    const run = await startServer(authContract, {
      reflection: true,
      authenticate: async ({ token }, info) => {
        seen.push(info);
        if (token !== "admin") throw new AppError("NOT_ADMIN", "reflection is for admins");
        return undefined;
      },
    });
    const none = await ask(await run.raw(), reflecting());
    expect(RawPeer.reason(none).code).toBe(WireCode.UNAUTHORIZED);
    expect(seen).toEqual([]);
    const user = await ask(await run.raw(), reflecting({ credentials: { token: "ada" } }));
    expect(RawPeer.reason(user).code).toBe("NOT_ADMIN");
    const admin = await ask(await run.raw(), reflecting({ credentials: { token: "admin" } }));
    expect(reflectedForm(admin)).toEqual(canonicalContract(authContract));
    expect(seen.map((info) => info.reflection)).toEqual([true, true]);
    // An ordinary hello is told it is not one.
    await run.rawOpen({ credentials: { token: "admin" } });
    expect(seen.map((info) => info.reflection)).toEqual([true, true, false]);
  });

  test("a form over the client's receive limit is refused with CONTRACT_MISMATCH", async () => {
    const fields = Object.fromEntries(
      Array.from({ length: 60 }, (_, i) => [`field${i}`, z.string().max(10)]),
    );
    const big = defineContract({ name: "big", client: { events: { e: z.object(fields) } } });
    const run = await startServer(big, { reflection: true });
    const answer = await ask(await run.raw(), reflecting({ maxFrameBytes: 1024 }));
    expect(RawPeer.reason(answer)).toMatchObject({ code: WireCode.CONTRACT_MISMATCH });
    expect(RawPeer.reason(answer).message).toMatch(/maxFrameBytes/);
  });

  test("reflect in a 1.0 hello is ignored, as a 1.0 server would: the empty name is another contract", async () => {
    const run = await startServer(testContract, { reflection: true });
    const answer = await ask(await run.raw(), reflecting({ protocol: { major: 1, minor: 0 } }));
    expect(RawPeer.reason(answer).code).toBe(WireCode.CONTRACT_MISMATCH);
  });

  test("a server closing refuses a reflecting hello with GOING_AWAY", async () => {
    let release!: () => void;
    const run = await startServer(testContract, {
      reflection: true,
      authenticate: () => new Promise<undefined>((resolve) => (release = () => resolve(undefined))),
    });
    const peer = await run.raw();
    peer.hello(testContract, reflecting());
    await until(() => release !== undefined, "authenticate running");
    const closing = run.server.close({ timeoutMs: 2000 });
    release();
    const answer = await peer.waitFor((e) => e.kind === Kind.REJECT);
    expect(RawPeer.reason(answer).code).toBe(WireCode.GOING_AWAY);
    await closing;
  });

  test("the option must be a boolean", async () => {
    await expect(startServer(testContract, { reflection: "yes" as never })).rejects.toMatchObject({
      code: ErrorCode.INVALID_ARGUMENT,
    });
  });
});
