import net from "node:net";
import { afterEach, describe, expect, test } from "vitest";
import { serverLines } from "../src/lines.js";
import { startRawServer } from "../src/raw-server.js";
import type { RunningServer, ServerEnvironment } from "../src/running-server.js";

const cleanups: Array<() => Promise<void> | void> = [];
afterEach(async () => {
  for (const cleanup of cleanups.splice(0).reverse()) await cleanup();
});

function environment() {
  const printed: string[] = [];
  const changed = new Set<() => void>();
  const env: ServerEnvironment = {
    lines: serverLines("zh"),
    print: (line) => {
      printed.push(line);
      for (const listener of changed) listener();
    },
    report: () => {},
  };
  /** Resolves when `check` holds for the printed lines (bounded by the test timeout). */
  const until = (check: (lines: string[]) => boolean) =>
    new Promise<void>((resolve) => {
      const listener = (): void => {
        if (check(printed)) {
          changed.delete(listener);
          resolve();
        }
      };
      changed.add(listener);
      listener();
    });
  return { env, printed, until };
}

async function start(env: ServerEnvironment): Promise<{ server: RunningServer; port: number }> {
  const server = await startRawServer({ host: "127.0.0.1", port: 0 }, env);
  cleanups.push(() => server.stop(1000));
  return { server, port: Number(server.endpoint.split(":").at(-1)) };
}

async function connect(port: number, allowHalfOpen = false): Promise<net.Socket> {
  const socket = net.connect({ host: "127.0.0.1", port, allowHalfOpen });
  cleanups.push(() => {
    socket.destroy();
  });
  await new Promise<void>((resolve, reject) => {
    socket.once("connect", resolve);
    socket.once("error", reject);
  });
  return socket;
}

function firstChunk(socket: net.Socket): Promise<Buffer> {
  return new Promise((resolve) => socket.once("data", resolve));
}

describe("raw server (the article's bytes)", () => {
  test("greets with the exact ASCII bytes and prints each chunk as one message", async () => {
    const { env, printed, until } = environment();
    const { server, port } = await start(env);
    expect(server.endpoint).toBe(`127.0.0.1:${port}`);
    const socket = await connect(port);
    expect((await firstChunk(socket)).toString("latin1")).toBe("Server Say Hello");
    socket.write("Client send Message on 2017/4/19 23:15:24");
    await until((lines) => lines.length === 1);
    expect(printed[0]).toBe(
      `接收客户端127.0.0.1:${socket.localPort}消息Client send Message on 2017/4/19 23:15:24`,
    );
  });

  test("bytes outside ASCII print as '?', like .NET's Encoding.ASCII", async () => {
    const { env, printed, until } = environment();
    const { port } = await start(env);
    const socket = await connect(port);
    socket.write(Buffer.from("你好", "utf8"));
    await until((lines) => lines.length === 1);
    expect(printed[0]).toMatch(/消息\?{6}$/);
  });

  test("a client's FIN is reported once, answered with our FIN, and released", async () => {
    const { env, printed, until } = environment();
    const { port } = await start(env);
    const socket = await connect(port);
    const localPort = socket.localPort;
    const serverEnded = new Promise<void>((resolve) => socket.once("end", resolve));
    socket.resume();
    socket.end("last words");
    await serverEnded;
    await until((lines) => lines.some((l) => l.includes("断开连接")));
    // Let any further (wrong) lines surface before counting: the original looped forever here.
    await new Promise((resolve) => setTimeout(resolve, 100));
    expect(printed).toEqual([
      `接收客户端127.0.0.1:${localPort}消息last words`,
      `客户端127.0.0.1:${localPort}断开连接`,
    ]);
  });

  test("a reset is reported with its reason", async () => {
    const { env, printed, until } = environment();
    const { port } = await start(env);
    const socket = await connect(port);
    await firstChunk(socket);
    const localPort = socket.localPort;
    socket.resetAndDestroy();
    await until((lines) => lines.length === 1);
    expect(printed).toEqual([`客户端127.0.0.1:${localPort}断开连接(ECONNRESET)`]);
  });

  test("stop closes gracefully, and drops a client that never closes once the timeout passes", async () => {
    const { env, printed } = environment();
    const { server, port } = await start(env);
    const polite = await connect(port);
    // Half-open allowed: our FIN does not make it close its side by itself.
    const stubborn = await connect(port, true);
    // The greeting proves the server has accepted each connection.
    await Promise.all([firstChunk(polite), firstChunk(stubborn)]);
    const ports = [polite.localPort, stubborn.localPort];
    polite.on("end", () => polite.end());
    // Like the original client waiting for Enter: reads, but never closes its side.
    stubborn.resume();
    const started = Date.now();
    await server.stop(300);
    expect(Date.now() - started).toBeGreaterThanOrEqual(250);
    expect(printed.sort()).toEqual(
      [
        `客户端127.0.0.1:${ports[0]}断开连接`,
        `客户端127.0.0.1:${ports[1]}断开连接(CLOSE_TIMEOUT)`,
      ].sort(),
    );
  });

  test("IPv6 endpoints print in brackets, like .NET's IPEndPoint", async (ctx) => {
    const { env, printed, until } = environment();
    let server: RunningServer;
    try {
      server = await startRawServer({ host: "::1", port: 0 }, env);
    } catch {
      ctx.skip("no IPv6 loopback on this machine");
      return;
    }
    cleanups.push(() => server.stop(1000));
    const port = Number(server.endpoint.split(":").at(-1));
    expect(server.endpoint).toBe(`[::1]:${port}`);
    const socket = net.connect({ host: "::1", port });
    cleanups.push(() => {
      socket.destroy();
    });
    await firstChunk(socket);
    socket.write("hi");
    await until((lines) => lines.length === 1);
    expect(printed).toEqual([`接收客户端[::1]:${socket.localPort}消息hi`]);
  });

  test("a port in use is a listen error with the system code", async () => {
    const { env } = environment();
    const { port } = await start(env);
    await expect(startRawServer({ host: "127.0.0.1", port }, env)).rejects.toMatchObject({
      name: "ListenError",
      reason: "EADDRINUSE",
      endpoint: `127.0.0.1:${port}`,
      message: `cannot listen on 127.0.0.1:${port}: address already in use (EADDRINUSE)`,
    });
  });
});
