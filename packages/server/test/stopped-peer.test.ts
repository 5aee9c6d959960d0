import { fork } from "node:child_process";
import { fileURLToPath } from "node:url";
import { WireCode } from "@sockwire/protocol";
import { describe, expect, test } from "vitest";
import type { ServerConnection } from "../src/index.js";
import { type TestContract, testContract } from "./helpers/contract.js";
import { startServer } from "./helpers/harness.js";
import { TS_EXEC_ARGV } from "./helpers/server-process.js";
import { sleep, until, within } from "./helpers/wait.js";

const fixture = fileURLToPath(new URL("./fixtures/stopped-peer.ts", import.meta.url));
const MiB = 1024 * 1024;

type Mode = "paced" | "backpressure" | "flood";

/** How the application keeps sending to the stalled peer; returns the largest queue it saw. */
async function produce(
  conn: ServerConnection<TestContract>,
  mode: Mode,
  since: number,
): Promise<number> {
  const chunk = {
    data: "s".repeat(mode === "paced" ? 64 * 1024 : mode === "backpressure" ? 256 * 1024 : MiB),
  };
  let maxQueued = 0;
  for (let i = 0; i < 2000 && conn.state === "open" && performance.now() - since < 2000; i++) {
    maxQueued = Math.max(maxQueued, conn.bufferedAmount);
    if (mode === "backpressure") {
      // A well-behaved producer: waits while the queue is above the soft mark.
      const ok = await conn.waitForRoom().then(
        () => true,
        () => false,
      );
      if (!ok) break;
    }
    conn.emit("blob", chunk).catch(() => {});
    await sleep(5);
  }
  return Math.max(maxQueued, conn.bufferedAmount);
}

describe("stalled peer process (case 14)", () => {
  const expected: Record<Mode, string[]> = {
    paced: [WireCode.HEARTBEAT_TIMEOUT],
    backpressure: [WireCode.HEARTBEAT_TIMEOUT],
    flood: [WireCode.SLOW_CONSUMER, WireCode.HEARTBEAT_TIMEOUT],
  };
  for (const mode of ["paced", "backpressure", "flood"] as const) {
    test(`${mode} producer: a SIGSTOPped peer is cut off, the queue stays bounded, and the peer survives SIGCONT`, async () => {
      const run = await startServer(testContract, {
        heartbeatIntervalMs: 100,
        heartbeatTimeoutMs: 100,
        sendSoftBytes: MiB,
        sendHardBytes: 8 * MiB,
      });
      const child = fork(fixture, [String(run.port)], {
        execArgv: TS_EXEC_ARGV,
        stdio: ["ignore", "inherit", "inherit", "ipc"],
      });
      const messages: Array<Record<string, unknown>> = [];
      child.on("message", (m: Record<string, unknown>) => void messages.push(m));
      // "close", not "exit": IPC messages the peer sent just before exiting can arrive after "exit".
      const exited = new Promise<number | null>((resolve) =>
        child.once("close", (code) => resolve(code)),
      );
      try {
        await until(() => messages.some((m) => m.ready), "peer ready", 20_000);
        await until(() => run.opened.length === 1, "connection");
        const conn = run.opened[0];
        if (!conn) throw new Error("no connection");
        process.kill(child.pid as number, "SIGSTOP");
        const stoppedAt = performance.now();
        const maxQueued = await produce(conn, mode, stoppedAt);
        await until(() => run.disconnects.length === 1, "close of the stalled peer", 3000);
        const detectedAfter = performance.now() - stoppedAt;
        const code = run.disconnects[0]?.info.code;
        console.info(
          `case 14 (${mode}): ${code} after ${detectedAfter.toFixed(0)} ms; max queued ${(maxQueued / MiB).toFixed(2)} MiB`,
        );
        expect(expected[mode]).toContain(code);
        expect(detectedAfter).toBeLessThan(2000);
        expect(maxQueued).toBeLessThanOrEqual(
          mode === "backpressure" ? MiB + 256 * 1024 + 1024 : 8 * MiB,
        );
        process.kill(child.pid as number, "SIGCONT");
        expect(await within(exited, "peer exit", 10_000)).toBe(0);
        const report = messages.find((m) => m.closed);
        console.info(`case 14 (${mode}): after SIGCONT the peer saw ${JSON.stringify(report)}`);
        expect(report).toBeDefined();
      } finally {
        if (child.exitCode === null && child.signalCode === null) {
          child.kill("SIGCONT");
          child.kill("SIGKILL");
        }
      }
    });
  }
});
