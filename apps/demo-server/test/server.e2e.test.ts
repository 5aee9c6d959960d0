import net from "node:net";
import { canRunInTerminal, helpColumns, startApp, stopAllApps } from "demo-contract/testing";
import { afterEach, describe, expect, test } from "vitest";

// demo-server as a process: options, exit statuses, stop requests and stdin handling.

afterEach(stopAllApps);

const LISTENING = /^启动监听127\.0\.0\.1:(\d+)成功$/;

function connectAndGreet(port: number): Promise<string> {
  return new Promise((resolve, reject) => {
    const socket = net.connect({ host: "127.0.0.1", port });
    socket.once("data", (chunk) => {
      socket.end();
      resolve(chunk.toString("latin1"));
    });
    socket.once("error", reject);
  });
}

describe("demo-server process", () => {
  test("--help prints the options and exits 0", async () => {
    const server = startApp("demo-server", ["--help"]);
    expect(await server.waitForExit()).toEqual({ code: 0, signal: null });
    const help = server.stdout.join("\n");
    for (const option of [
      "--host",
      "--port",
      "--lang",
      "--wire",
      "(default 18888)",
      "(default 127.0.0.1)",
    ]) {
      expect(help).toContain(option);
    }
    const { descriptions, defaults } = helpColumns(server.stdout);
    expect(descriptions).toHaveLength(1);
    expect(defaults).toHaveLength(1);
  });

  test.each([
    ["a port out of range", ["--port", "70000"], /--port/],
    ["an unknown option", ["--count", "3"], /--count/],
    ["a bad language", ["--lang", "fr"], /--lang/],
  ])("%s: a clear message and exit status 2", async (_name, args, message) => {
    const server = startApp("demo-server", args);
    expect(await server.waitForExit()).toEqual({ code: 2, signal: null });
    expect(server.stdout).toEqual([]);
    expect(server.stderr.join("\n")).toMatch(message);
  });

  test("end of input on a non-terminal stdin does not stop it; SIGINT does, gracefully", async () => {
    const server = startApp("demo-server", ["--port", "0", "--wire", "raw"], { stdin: "pipe" });
    const [, port] = await server.waitForLine(LISTENING);
    server.write("\n");
    server.endInput();
    await new Promise((resolve) => setTimeout(resolve, 300));
    expect(server.isRunning).toBe(true);
    expect(await connectAndGreet(Number(port))).toBe("Server Say Hello");
    await server.waitForLine(/断开连接$/);

    server.signal("SIGINT");
    expect(await server.waitForExit()).toEqual({ code: 0, signal: null });
    expect(server.stdout.at(-1)).toBe("服务器已停止");
  });

  test("a port already in use: the failure line and exit status 1", async () => {
    const first = startApp("demo-server", ["--port", "0"]);
    const [, port = ""] = await first.waitForLine(LISTENING);
    const second = startApp("demo-server", ["--port", port, "--lang", "en"]);
    expect(await second.waitForExit()).toEqual({ code: 1, signal: null });
    expect(second.stdout).toEqual([`Could not listen on 127.0.0.1:${port} (EADDRINUSE)`]);
    // One diagnostic line that says it once, and what to do.
    expect(second.stderr).toEqual([
      `demo-server: cannot listen on 127.0.0.1:${port}: address already in use (EADDRINUSE); ` +
        "another program is listening there: stop it, or choose a free port with --port (0 takes any)",
    ]);
    first.signal("SIGTERM");
    expect(await first.waitForExit()).toEqual({ code: 0, signal: null });
  });

  test.runIf(canRunInTerminal())("on a terminal, Enter stops it gracefully", async () => {
    const server = startApp("demo-server", ["--port", "0", "--lang", "en"], { terminal: true });
    await server.waitForLine(/^Started listening on 127\.0\.0\.1:\d+$/);
    server.write("\r");
    expect(await server.waitForExit()).toEqual({ code: 0, signal: null });
    expect(server.stdout.at(-1)).toBe("Server stopped");
  });
});
