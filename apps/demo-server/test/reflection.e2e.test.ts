import { execFile } from "node:child_process";
import { fileURLToPath } from "node:url";
import { startApp, stopAllApps } from "demo-contract/testing";
import { afterEach, describe, expect, test } from "vitest";

// The root README's "Inspect a running server": demo-server started with --reflection describes
// its contract to `sockwire describe`, and `sockwire emit` and `tail` then talk to it with no copy
// of the contract; without the flag, describe is refused (exit 5). The command line runs from its
// sources here, as the demo apps do (its built bin is tested in packages/cli).

afterEach(stopAllApps);

const LISTENING = /^Started listening on 127\.0\.0\.1:(\d+)$/;
const bin = fileURLToPath(new URL("../../../packages/cli/src/bin.ts", import.meta.url));

function sockwire(...args: string[]): Promise<{ code: number; stdout: string; stderr: string }> {
  return new Promise((resolve) => {
    execFile(
      process.execPath,
      ["--conditions=@sockwire/source", "--import", "tsx", bin, ...args],
      { timeout: 20_000 },
      (error, stdout, stderr) =>
        resolve({ code: error === null ? 0 : Number(error.code ?? -1), stdout, stderr }),
    );
  });
}

describe("demo-server --reflection", () => {
  test("sockwire describe, emit and tail work against it out of the box", async () => {
    const server = startApp("demo-server", ["--port", "0", "--lang", "en", "--reflection"]);
    const [, port = ""] = await server.waitForLine(LISTENING);
    const address = `127.0.0.1:${port}`;
    const described = await sockwire("describe", address);
    expect(described.code).toBe(0);
    expect(described.stdout).toMatch(/^contract sockwire-demo \(digest [0-9a-f]{32}\)\n/);
    expect(described.stdout).toContain("  message: { text: string /* <= 65536 chars */ }\n");
    expect(described.stdout).toContain("  greeting: { text: string /* <= 65536 chars */ }\n");
    const tailed = await sockwire("tail", address, "--count", "1");
    expect(tailed).toMatchObject({
      code: 0,
      stdout: '{"event":"greeting","data":{"text":"Server Say Hello"}}\n',
    });
    const emitted = await sockwire("emit", address, "message", '{"text":"hello from a shell"}');
    expect(emitted.code).toBe(0);
    await server.waitForLine(/^Received from client 127\.0\.0\.1:\d+: hello from a shell$/);
  });

  test("without the flag, describe is refused with ERR_REFLECTION_DISABLED (exit 5)", async () => {
    const server = startApp("demo-server", ["--port", "0", "--lang", "en"]);
    const [, port = ""] = await server.waitForLine(LISTENING);
    const run = await sockwire("describe", `127.0.0.1:${port}`);
    expect(run.code).toBe(5);
    expect(run.stderr).toContain("ERR_REFLECTION_DISABLED");
  });
});
