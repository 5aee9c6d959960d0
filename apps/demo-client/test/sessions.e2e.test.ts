import {
  type AppProcess,
  ARTICLE_TIME,
  freePort,
  startApp,
  stopAllApps,
} from "demo-contract/testing";
import { afterEach, describe, expect, test } from "vitest";

// End-to-end: the real apps as processes, their consoles compared line by line with the
// article's (timestamps and ports matched by pattern). Their stdin is not a terminal here, so
// the client's lines that would ask for Enter say instead that it exits, which it does;
// terminal.e2e.test.ts runs it on a terminal.

const SENT_ZH = new RegExp(`^向服务器发送消息:(Client send Message on ${ARTICLE_TIME}) $`);
const RECEIVED_ZH = new RegExp(
  `^接收客户端127\\.0\\.0\\.1:(\\d+)消息(Client send Message on ${ARTICLE_TIME})$`,
);

afterEach(stopAllApps);

async function startServer(args: string[] = []): Promise<{ server: AppProcess; port: string }> {
  const server = startApp("demo-server", ["--port", "0", ...args]);
  const match = await server.waitForLine(/(?:启动监听|Started listening on )127\.0\.0\.1:(\d+)/);
  return { server, port: match[1] ?? "" };
}

function startClient(port: string, args: string[]): AppProcess {
  return startApp("demo-client", ["--port", port, ...args]);
}

/** The article's client console for `count` messages, without a terminal; returns the texts sent. */
function expectClientConsole(client: AppProcess, count: number): string[] {
  const lines = client.stdout;
  expect(lines[0]).toBe("连接服务器成功");
  expect(lines[1]).toBe("接收服务器消息:Server Say Hello");
  const sent = lines.slice(2, 2 + count).map((line) => SENT_ZH.exec(line)?.[1]);
  expect(
    sent.every((text) => text !== undefined),
    client.dump(),
  ).toBe(true);
  expect(lines.slice(2 + count)).toEqual(["发送完毕,正在退出"]);
  return sent as string[];
}

/** The server's message lines, grouped by client port, in arrival order. */
function messagesByPort(server: AppProcess): Map<string, string[]> {
  const byPort = new Map<string, string[]>();
  for (const line of server.stdout) {
    const match = RECEIVED_ZH.exec(line);
    if (!match) continue;
    const [, port = "", text = ""] = match;
    byPort.set(port, [...(byPort.get(port) ?? []), text]);
  }
  return byPort;
}

describe("framed sessions (the article's consoles)", () => {
  test("one client: both consoles line by line, then a graceful stop", async () => {
    const { server, port } = await startServer();
    const client = startClient(port, ["--count", "10", "--interval", "50"]);
    expect(await client.waitForExit()).toEqual({ code: 0, signal: null });
    const sent = expectClientConsole(client, 10);

    const [, clientPort] = await server.waitForLine(/^客户端127\.0\.0\.1:(\d+)断开连接$/);
    expect(server.stdout).toEqual([
      `启动监听127.0.0.1:${port}成功`,
      ...sent.map((text) => `接收客户端127.0.0.1:${clientPort}消息${text}`),
      `客户端127.0.0.1:${clientPort}断开连接`,
    ]);

    server.signal("SIGTERM");
    expect(await server.waitForExit()).toEqual({ code: 0, signal: null });
    expect(server.stdout.at(-1)).toBe("服务器已停止");
    expect(server.stderr).toEqual([]);
  });

  test("two clients at once are served side by side", async () => {
    const { server, port } = await startServer();
    const clients = [0, 1].map(() => startClient(port, ["--count", "5", "--interval", "50"]));
    for (const client of clients)
      expect(await client.waitForExit()).toEqual({ code: 0, signal: null });
    const sentByClient = clients.map((client) => expectClientConsole(client, 5));

    await server.waitUntil(
      "two leave lines",
      (lines) => lines.filter((l) => l.endsWith("断开连接")).length === 2,
    );
    const byPort = messagesByPort(server);
    expect(byPort.size).toBe(2);
    const streams = [...byPort.values()];
    // Each client's messages arrive complete and in order (which port is which client is unknown,
    // so compare as a set of sequences).
    expect(streams.map((s) => s.join("|")).sort()).toEqual(
      sentByClient.map((s) => s.join("|")).sort(),
    );
    for (const clientPort of byPort.keys()) {
      expect(server.stdout).toContain(`客户端127.0.0.1:${clientPort}断开连接`);
    }
  });

  test("--lang en prints English lines with the same meaning", async () => {
    const { server, port } = await startServer(["--lang", "en"]);
    expect(server.stdout[0]).toBe(`Started listening on 127.0.0.1:${port}`);
    const client = startClient(port, ["--count", "2", "--interval", "50", "--lang", "en"]);
    expect(await client.waitForExit()).toEqual({ code: 0, signal: null });
    const sentEn = new RegExp(`^Sent to server: (Client send Message on ${ARTICLE_TIME})$`);
    expect(client.stdout).toHaveLength(5);
    expect(client.stdout.slice(0, 2)).toEqual([
      "Connected to server",
      "Received from server: Server Say Hello",
    ]);
    const sent = client.stdout.slice(2, 4).map((line) => sentEn.exec(line)?.[1]);
    expect(client.stdout[4]).toBe("All sent, exiting");

    const [, clientPort] = await server.waitForLine(/^Client 127\.0\.0\.1:(\d+) disconnected$/);
    expect(server.stdout.slice(1)).toEqual([
      ...sent.map((text) => `Received from client 127.0.0.1:${clientPort}: ${text}`),
      `Client 127.0.0.1:${clientPort} disconnected`,
    ]);
    server.signal("SIGINT");
    expect(await server.waitForExit()).toEqual({ code: 0, signal: null });
    expect(server.stdout.at(-1)).toBe("Server stopped");
  });
});

describe("without a terminal (a pipe nobody writes to)", () => {
  test("the client says it exits, in either language, and does so without waiting", async () => {
    const { port } = await startServer();
    const zh = startApp("demo-client", ["--port", port, "--count", "1", "--interval", "0"], {
      stdin: "pipe",
    });
    const en = startApp(
      "demo-client",
      ["--port", port, "--count", "1", "--interval", "0", "--lang", "en"],
      { stdin: "pipe" },
    );
    expect(await zh.waitForExit()).toEqual({ code: 0, signal: null });
    expect(await en.waitForExit()).toEqual({ code: 0, signal: null });
    expect(zh.stdout.at(-1)).toBe("发送完毕,正在退出");
    expect(en.stdout.at(-1)).toBe("All sent, exiting");
    for (const line of [...zh.stdout, ...en.stdout]) expect(line).not.toMatch(/回车|Enter/);
  });

  test("an unreachable server: the failure line says it exits, status 1", async () => {
    const port = String(await freePort());
    const zh = startApp("demo-client", ["--port", port], { stdin: "pipe" });
    const en = startApp("demo-client", ["--port", port, "--lang", "en"], { stdin: "pipe" });
    expect(await zh.waitForExit()).toEqual({ code: 1, signal: null });
    expect(await en.waitForExit()).toEqual({ code: 1, signal: null });
    expect(zh.stdout).toEqual(["连接服务器失败,正在退出!"]);
    expect(en.stdout).toEqual(["Could not connect to server, exiting!"]);
  });
});

describe("failures", () => {
  test("an unreachable server: the failure line, status 1, no hang without a terminal", async () => {
    const port = String(await freePort());
    const client = startClient(port, []);
    expect(await client.waitForExit()).toEqual({ code: 1, signal: null });
    expect(client.stdout).toEqual(["连接服务器失败,正在退出!"]);
    expect(client.stderr.join("\n")).toMatch(/ECONNREFUSED/);
  });

  test("an unreachable server in English and in raw mode", async () => {
    const port = String(await freePort());
    const en = startClient(port, ["--lang", "en"]);
    const raw = startClient(port, ["--wire", "raw"]);
    expect(await en.waitForExit()).toEqual({ code: 1, signal: null });
    expect(en.stdout).toEqual(["Could not connect to server, exiting!"]);
    expect(await raw.waitForExit()).toEqual({ code: 1, signal: null });
    expect(raw.stdout).toEqual(["连接服务器失败,正在退出!"]);
  });

  test("a client killed mid-session: the server prints exactly one leave line", async () => {
    const { server, port } = await startServer();
    const client = startClient(port, ["--count", "1000", "--interval", "50"]);
    await server.waitForLineCount(4);
    client.signal("SIGKILL");
    await client.waitForExit();
    // The kernel closes a killed process's socket with a FIN (nothing was left unread), which is
    // an orderly end of the stream; a reset would add the reason in parentheses.
    const [line] = await server.waitForLine(/^客户端127\.0\.0\.1:\d+断开连接(\(.+\))?$/);
    expect(server.stdout.filter((l) => l.includes("断开连接"))).toEqual([line]);
    // The server keeps serving.
    const next = startClient(port, ["--count", "1", "--interval", "0"]);
    expect(await next.waitForExit()).toEqual({ code: 0, signal: null });
  });

  test("a client stopped mid-session (SIGTERM) closes gracefully: status 0, a plain leave line", async () => {
    const { server, port } = await startServer();
    const client = startClient(port, ["--count", "1000", "--interval", "50"]);
    await client.waitForLine(SENT_ZH);
    client.signal("SIGTERM");
    expect(await client.waitForExit()).toEqual({ code: 0, signal: null });
    expect(client.stdout).not.toContain("发送完毕,正在退出");
    await server.waitForLine(/^客户端127\.0\.0\.1:\d+断开连接$/);
    // Every message the client reported as sent reached the server.
    const sent = client.stdout.slice(2).map((line) => SENT_ZH.exec(line)?.[1]);
    const received = [...messagesByPort(server).values()][0] ?? [];
    expect(received.slice(0, sent.length)).toEqual(sent);
  });

  test("the server going away mid-session: the client says so and exits with status 1", async () => {
    const { server, port } = await startServer();
    const client = startClient(port, ["--count", "1000", "--interval", "50"]);
    await client.waitForLine(SENT_ZH);
    server.signal("SIGTERM");
    expect(await server.waitForExit()).toEqual({ code: 0, signal: null });
    expect(await client.waitForExit()).toEqual({ code: 1, signal: null });
    expect(client.stdout.at(-1)).toMatch(/^与服务器的连接已断开(\(.+\))?$/);
    expect(client.stdout).not.toContain("发送完毕,正在退出");
  });

  test("the server killed mid-session: the client says so and exits with status 1", async () => {
    const { server, port } = await startServer();
    const client = startClient(port, ["--count", "1000", "--interval", "50", "--wire", "framed"]);
    await client.waitForLine(SENT_ZH);
    server.signal("SIGKILL");
    expect(await client.waitForExit()).toEqual({ code: 1, signal: null });
    expect(client.stdout.at(-1)).toMatch(/^与服务器的连接已断开(\(.+\))?$/);
  });
});

describe("raw mode (the article's unframed ASCII bytes)", () => {
  test("our raw server and raw client reproduce the article's consoles", async () => {
    const { server, port } = await startServer(["--wire", "raw"]);
    // A wider interval than the framed tests: without framing, two writes that reach the server
    // in one read would print as one line (that is what raw mode is).
    const client = startClient(port, ["--wire", "raw", "--count", "3", "--interval", "200"]);
    expect(await client.waitForExit()).toEqual({ code: 0, signal: null });
    const sent = expectClientConsole(client, 3);
    const [, clientPort] = await server.waitForLine(/^客户端127\.0\.0\.1:(\d+)断开连接$/);
    expect(server.stdout).toEqual([
      `启动监听127.0.0.1:${port}成功`,
      ...sent.map((text) => `接收客户端127.0.0.1:${clientPort}消息${text}`),
      `客户端127.0.0.1:${clientPort}断开连接`,
    ]);
    server.signal("SIGTERM");
    expect(await server.waitForExit()).toEqual({ code: 0, signal: null });
  });

  test("a raw server that goes away mid-session is noticed", async () => {
    const { server, port } = await startServer(["--wire", "raw"]);
    const client = startClient(port, ["--wire", "raw", "--count", "1000", "--interval", "50"]);
    await client.waitForLine(SENT_ZH);
    server.signal("SIGTERM");
    expect(await client.waitForExit()).toEqual({ code: 1, signal: null });
    expect(client.stdout.at(-1)).toBe("与服务器的连接已断开");
    expect(await server.waitForExit()).toEqual({ code: 0, signal: null });
  });
});
