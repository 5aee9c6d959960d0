import { type ChildProcess, spawn } from "node:child_process";
import { readFileSync } from "node:fs";
import { fileURLToPath } from "node:url";
import { ALL_WIRE_CODES, ErrorCode } from "@sockwire/protocol";
import { describe, expect, test } from "vitest";
import { chat } from "../examples/contract.js";
import { logs } from "../examples/log-contract.js";
import { SERVER_DEFAULTS } from "../src/index.js";
import { TS_EXEC_ARGV } from "./helpers/server-process.js";
import { TestClient } from "./helpers/session-client.js";
import { until, within } from "./helpers/wait.js";

const root = new URL("../", import.meta.url);
const readme = readFileSync(new URL("README.md", root), "utf8");
const rows = (heading: string) => {
  const section = readme.split(/^## /m).find((s) => s.startsWith(heading)) ?? "";
  return section.split("\n").filter((line) => line.startsWith("| `"));
};

/** Every local error code this package can throw, reject with or report. */
const SERVER_ERROR_CODES = Object.values(ErrorCode).filter(
  (code) =>
    ![ErrorCode.CONNECT_FAILED, ErrorCode.CONNECT_TIMEOUT, ErrorCode.MESSAGE_EXPIRED].includes(
      code as never,
    ) && code !== "ERR_EVENT_BUFFER_FULL",
);

describe("README", () => {
  test("the examples in the README are the files in examples/", () => {
    for (const file of [
      "examples/contract.ts",
      "examples/chat-server.ts",
      "examples/log-contract.ts",
      "examples/log-server.ts",
    ]) {
      const source = readFileSync(new URL(file, root), "utf8").trim();
      expect(readme).toContain(`\`\`\`ts\n${source}\n\`\`\``);
    }
  });

  test("every option has a row with its documented default", () => {
    const table = rows("Options");
    for (const [name, value] of Object.entries(SERVER_DEFAULTS)) {
      const row = table.find((line) => line.startsWith(`| \`${name}\` |`));
      expect(row, `row for ${name}`).toBeDefined();
      expect(row?.split("|")[2], `default of ${name}`).toContain(`\`${String(value)}\``);
    }
    for (const name of ["tls", "authenticate", "codec", "adapter"]) {
      expect(
        table.some((line) => line.startsWith(`| \`${name}\` |`)),
        `row for ${name}`,
      ).toBe(true);
    }
  });

  test("every error code and wire code the server can surface has a row", () => {
    const errors = rows("Errors").map((line) => line.split("`")[1]);
    for (const code of SERVER_ERROR_CODES) expect(errors, code).toContain(code);
    for (const code of ALL_WIRE_CODES) expect(errors, code).toContain(code);
  });

  test("the example server runs: authenticate, rooms, request, broadcast, graceful stop on SIGINT", async () => {
    const script = fileURLToPath(new URL("examples/chat-server.ts", root));
    const child: ChildProcess = spawn(process.execPath, [...TS_EXEC_ARGV, script], {
      cwd: fileURLToPath(root),
      env: { ...process.env, PORT: "0" },
      stdio: ["ignore", "pipe", "pipe"],
    });
    let output = "";
    // Both streams, for the content checks; stdout alone for what comes last (the two pipes are
    // read independently, so their relative order is not kept).
    let stdout = "";
    child.stdout?.on("data", (chunk: Buffer) => {
      output += chunk.toString();
      stdout += chunk.toString();
    });
    child.stderr?.on("data", (chunk: Buffer) => {
      output += chunk.toString();
    });
    const exited = new Promise<number | null>((resolve) => child.once("exit", resolve));
    try {
      await until(() => /listening on 127\.0\.0\.1:\d+/.test(output), "example listening", 20_000);
      const port = Number(/listening on 127\.0\.0\.1:(\d+)/.exec(output)?.[1]);
      const ada = await TestClient.connect(port, chat, { hello: { credentials: { user: "ada" } } });
      await expect(ada.request("join", { room: "lobby" })).resolves.toEqual({ members: 1 });
      await ada.emit("say", { room: "lobby", text: "hello" });
      await until(() => ada.events.length === 1, "said");
      expect(ada.events[0]).toEqual({
        name: "said",
        data: { room: "lobby", user: "ada", text: "hello" },
      });
      await expect(
        TestClient.connect(port, chat, { hello: { credentials: { user: "root" } } }),
      ).rejects.toMatchObject({
        code: "NAME_TAKEN",
      });
      child.kill("SIGINT");
      const info = await within(ada.closed, "goaway");
      expect(info).toMatchObject({ code: "GOING_AWAY", graceful: true });
      expect(await within(exited, "example exit", 10_000)).toBe(0);
      expect(output).toMatch(/\+ ada 127\.0\.0\.1:\d+\n/);
      expect(output).toContain("- ada GOING_AWAY\n");
      expect(output).toContain("! ERR_HANDSHAKE_REJECTED");
      expect(stdout).toMatch(/closed\n$/);
    } finally {
      if (child.exitCode === null) child.kill("SIGKILL");
    }
  });

  test("the log example: a slow reader holds the tail to its pace, and leaving its loop ends it", async () => {
    const script = fileURLToPath(new URL("examples/log-server.ts", root));
    const child: ChildProcess = spawn(process.execPath, [...TS_EXEC_ARGV, script], {
      cwd: fileURLToPath(root),
      env: { ...process.env, PORT: "0" },
      stdio: ["ignore", "pipe", "pipe"],
    });
    let output = "";
    child.stdout?.on("data", (chunk: Buffer) => {
      output += chunk.toString();
    });
    child.stderr?.on("data", (chunk: Buffer) => {
      output += chunk.toString();
    });
    const exited = new Promise<number | null>((resolve) => child.once("exit", resolve));
    try {
      await until(() => /listening on 127\.0\.0\.1:\d+/.test(output), "example listening", 20_000);
      const port = Number(/listening on 127\.0\.0\.1:(\d+)/.exec(output)?.[1]);
      const reader = await TestClient.connect(port, logs);
      const tail = reader.session.openStream("tail", { from: 0 });
      const seen: number[] = [];
      // 10 lines at one every 50 ms, while the log grows by one every 5 ms.
      for await (const item of tail) {
        seen.push((item as { n: number }).n);
        if (seen.length === 10) break;
        await new Promise((resolve) => setTimeout(resolve, 50));
      }
      expect(seen).toEqual([0, 1, 2, 3, 4, 5, 6, 7, 8, 9]);
      await until(() => /tail \S+ ended at line (\d+) of (\d+)/.test(output), "tail ended");
      const [, at, of] = /tail \S+ ended at line (\d+) of (\d+)/.exec(output) ?? [];
      // The producer stopped within its credit (what was read, the window, one more pulled) and
      // within the log.
      expect(Number(at)).toBeLessThanOrEqual(10 + 16_384 + 1);
      expect(Number(at)).toBeLessThanOrEqual(Number(of));
      child.kill("SIGINT");
      await within(reader.closed, "goaway");
      expect(await within(exited, "example exit", 10_000)).toBe(0);
    } finally {
      if (child.exitCode === null) child.kill("SIGKILL");
    }
  });
});
