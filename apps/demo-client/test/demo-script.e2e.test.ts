import { spawn } from "node:child_process";
import { readFileSync } from "node:fs";
import { fileURLToPath } from "node:url";
import { ARTICLE_TIME, helpColumns } from "demo-contract/testing";
import { describe, expect, test } from "vitest";

// `pnpm demo` is `node scripts/demo.mjs`; run it the same way, without pnpm and without a
// terminal on stdin, as CI would.

const DEMO = fileURLToPath(new URL("../../../scripts/demo.mjs", import.meta.url));

async function runDemo(
  args: string[],
): Promise<{ code: number | null; stdout: string[]; stderr: string }> {
  const child = spawn(process.execPath, [DEMO, ...args], { stdio: ["ignore", "pipe", "pipe"] });
  let stdout = "";
  let stderr = "";
  child.stdout.setEncoding("utf8").on("data", (chunk: string) => {
    stdout += chunk;
  });
  child.stderr.setEncoding("utf8").on("data", (chunk: string) => {
    stderr += chunk;
  });
  const timer = setTimeout(() => child.kill("SIGKILL"), 25_000);
  try {
    const code = await new Promise<number | null>((resolve) => child.once("close", resolve));
    return { code, stdout: stdout.split("\n").filter((line) => line !== ""), stderr };
  } finally {
    clearTimeout(timer);
    child.kill("SIGKILL");
  }
}

describe("pnpm demo (scripts/demo.mjs)", () => {
  test("shows both consoles, labelled, then stops both cleanly", async () => {
    const { code, stdout, stderr } = await runDemo([
      "--",
      "--port",
      "0",
      "--count",
      "2",
      "--interval",
      "50",
    ]);
    expect(code, stderr).toBe(0);
    const server = stdout.filter((l) => l.startsWith("[server] ")).map((l) => l.slice(9));
    const client = stdout.filter((l) => l.startsWith("[client] ")).map((l) => l.slice(9));
    expect(server.length + client.length).toBe(stdout.length);

    const sent = new RegExp(`^向服务器发送消息:Client send Message on ${ARTICLE_TIME} $`);
    expect(client).toHaveLength(5);
    expect(client.slice(0, 2)).toEqual(["连接服务器成功", "接收服务器消息:Server Say Hello"]);
    expect(client.slice(2, 4).every((line) => sent.test(line))).toBe(true);
    // The demo gives the client no terminal, so it exits at once and says so.
    expect(client[4]).toBe("发送完毕,正在退出");

    expect(server[0]).toMatch(/^启动监听127\.0\.0\.1:\d+成功$/);
    const received = new RegExp(
      `^接收客户端127\\.0\\.0\\.1:\\d+消息Client send Message on ${ARTICLE_TIME}$`,
    );
    expect(server.slice(1, 3).every((line) => received.test(line))).toBe(true);
    expect(server.slice(3)).toEqual([
      expect.stringMatching(/^客户端127\.0\.0\.1:\d+断开连接$/),
      "服务器已停止",
    ]);
  });

  test("passes --lang and --wire on to both apps", async () => {
    const { code, stdout } = await runDemo([
      "--port",
      "0",
      "--count",
      "1",
      "--interval",
      "0",
      "--lang",
      "en",
      "--wire",
      "raw",
    ]);
    expect(code).toBe(0);
    expect(stdout[0]).toMatch(/^\[server\] Started listening on 127\.0\.0\.1:\d+$/);
    expect(stdout).toContain("[client] Received from server: Server Say Hello");
    expect(stdout.at(-1)).toBe("[server] Server stopped");
  });

  test("the README's first screen says why the demo speaks Chinese, and its English command works", async () => {
    const readme = readFileSync(new URL("../../../README.md", import.meta.url), "utf8");
    const firstScreen = readme.split("\n## ")[0] ?? "";
    expect(firstScreen).toMatch(/tutorial[\s\S]*Chinese|Chinese[\s\S]*tutorial/);
    const command = /^pnpm demo (.*--lang en.*?)\s+#/m.exec(firstScreen)?.[1];
    expect(command, "an English `pnpm demo` command in the first code block").toBeDefined();
    const args = (command ?? "").split(/\s+/);
    const { code, stdout } = await runDemo([
      ...args,
      "--port",
      "0",
      "--count",
      "1",
      "--interval",
      "0",
    ]);
    expect(code).toBe(0);
    expect(stdout).toContain("[client] Connected to server");
    expect(stdout.at(-1)).toBe("[server] Server stopped");
  });

  test("--help: the options table is aligned", async () => {
    const { code, stdout } = await runDemo(["--help"]);
    expect(code).toBe(0);
    expect(stdout.join("\n")).toContain("--lang zh|en");
    const { descriptions, defaults } = helpColumns(stdout);
    expect(descriptions).toHaveLength(1);
    expect(defaults).toHaveLength(1);
  });

  test("a bad option: usage and exit status 2", async () => {
    const { code, stdout, stderr } = await runDemo(["--verbose"]);
    expect(code).toBe(2);
    expect(stdout).toEqual([]);
    expect(stderr).toMatch(/--verbose/);
  });
});
