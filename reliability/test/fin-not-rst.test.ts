import { type AppProcess, startApp, stopAllApps } from "demo-contract/testing";
import { afterEach, describe, expect, test } from "vitest";
import type { ChaosLink } from "../src/chaos/chaos-proxy.js";
import { until } from "../src/wait.js";
import { proxyTo } from "./support/fixtures.js";
import { Capture, hasTshark } from "./support/tshark.js";

// Graceful close never sends RST, checked on the demo apps' own session (two processes). A relay
// between demo-client and demo-server forwards bytes, FINs and resets faithfully and records, for
// each side, whether its socket ended with a FIN ('end' before 'close') or an RST (ECONNRESET).
// Whichever side starts the close, the server's FIN comes first: the client holds its own until
// the server's has arrived, so the TIME_WAIT state stays on the server and not on one of the
// client's ephemeral ports.
// The optional last test captures the same sessions with tshark where it is installed.

const LISTENING = /^启动监听127\.0\.0\.1:(\d+)成功$/;
const SENT = /^向服务器发送消息:Client send Message on /;

afterEach(stopAllApps);

async function demoServer(): Promise<{ server: AppProcess; port: number }> {
  const server = startApp("demo-server", ["--port", "0"]);
  const [, port] = await server.waitForLine(LISTENING);
  return { server, port: Number(port) };
}

/** The link a session used, once both of its sockets have closed. */
async function closedLink(proxy: Awaited<ReturnType<typeof proxyTo>>): Promise<ChaosLink> {
  await until(() => proxy.history.length === 1, "the session's link closed", 10_000);
  return proxy.history[0] as ChaosLink;
}

function expectFinsNoReset(link: ChaosLink): void {
  expect(link.client.endedAt, "FIN from demo-client").toBeDefined();
  expect(link.server.endedAt, "FIN from demo-server").toBeDefined();
  expect(link.client.errors, "demo-client reset the connection").toEqual([]);
  expect(link.server.errors, "demo-server reset the connection").toEqual([]);
  expect(link.server.endedAt, "the server's FIN first").toBeLessThanOrEqual(
    link.client.endedAt as number,
  );
}

describe("graceful close sends FIN, never RST (demo session)", () => {
  test("the client closes after its messages: both ends FIN, no RST either way", async () => {
    const { server, port } = await demoServer();
    const proxy = await proxyTo(port, true);
    const client = startApp("demo-client", [
      "--port",
      String(proxy.port),
      "--count",
      "3",
      "--interval",
      "20",
    ]);
    expect(await client.waitForExit()).toEqual({ code: 0, signal: null });
    const link = await closedLink(proxy);
    expectFinsNoReset(link);
    await server.waitForLine(/^客户端127\.0\.0\.1:\d+断开连接$/); // a plain leave: no reason
    server.signal("SIGTERM");
    expect(await server.waitForExit()).toEqual({ code: 0, signal: null });
  });

  test("the server stops mid-session (SIGTERM): goaway, then both ends FIN, no RST either way", async () => {
    const { server, port } = await demoServer();
    const proxy = await proxyTo(port, true);
    const client = startApp("demo-client", [
      "--port",
      String(proxy.port),
      "--count",
      "1000",
      "--interval",
      "20",
    ]);
    await client.waitForLine(SENT);
    server.signal("SIGTERM");
    expect(await server.waitForExit()).toEqual({ code: 0, signal: null });
    await client.waitForExit();
    const link = await closedLink(proxy);
    expectFinsNoReset(link);
  });

  test("the client stops mid-session (SIGTERM): a graceful close with FINs, no RST either way", async () => {
    const { server, port } = await demoServer();
    const proxy = await proxyTo(port, true);
    const client = startApp("demo-client", [
      "--port",
      String(proxy.port),
      "--count",
      "1000",
      "--interval",
      "20",
    ]);
    await client.waitForLine(SENT);
    client.signal("SIGTERM");
    expect(await client.waitForExit()).toEqual({ code: 0, signal: null });
    expectFinsNoReset(await closedLink(proxy));
    server.signal("SIGTERM");
    expect(await server.waitForExit()).toEqual({ code: 0, signal: null });
  });

  test("tshark on the loopback port sees FIN from both ends of both sessions and no RST (skipped only when tshark is not installed or may not capture)", async (ctx) => {
    ctx.skip(!hasTshark(), "tshark is not installed (Debian: apt-get install tshark)");
    const { server, port } = await demoServer();
    const { capture, problem } = await Capture.start(port);
    ctx.skip(capture === undefined, `tshark cannot capture here: ${problem}`);
    if (!capture) return;
    // Session 1: the client closes. Session 2: the server stops under it.
    const first = startApp("demo-client", [
      "--port",
      String(port),
      "--count",
      "3",
      "--interval",
      "20",
    ]);
    expect(await first.waitForExit()).toEqual({ code: 0, signal: null });
    const second = startApp("demo-client", [
      "--port",
      String(port),
      "--count",
      "1000",
      "--interval",
      "20",
    ]);
    await second.waitForLine(SENT);
    server.signal("SIGTERM");
    await server.waitForExit();
    await second.waitForExit();
    const segments = await capture.stop();
    const sessions = new Map<number, { fromClient: number; fromServer: number; resets: number }>();
    for (const s of segments) {
      const clientPort = s.src === port ? s.dst : s.src;
      const session = sessions.get(clientPort) ?? { fromClient: 0, fromServer: 0, resets: 0 };
      if (s.fin && s.src === port) session.fromServer++;
      if (s.fin && s.dst === port) session.fromClient++;
      if (s.rst) session.resets++;
      sessions.set(clientPort, session);
    }
    console.info(
      `tshark: ${segments.length} segments on port ${port}: ${JSON.stringify([...sessions.values()])}`,
    );
    expect(sessions.size).toBe(2);
    for (const session of sessions.values()) {
      expect(session.fromClient).toBeGreaterThanOrEqual(1);
      expect(session.fromServer).toBeGreaterThanOrEqual(1);
      expect(session.resets).toBe(0);
    }
  }, 60_000);
});
