import { canRunInTerminal, startApp, stopAllApps } from "demo-contract/testing";
import { afterEach, describe, expect, test } from "vitest";

// With a terminal on stdin the client behaves like the article's: after the last message it
// waits for Enter. (Without one it closes at once; the other end-to-end tests cover that.)

afterEach(stopAllApps);

describe.runIf(canRunInTerminal())("on a terminal", () => {
  test("the client waits for Enter after sending, then closes gracefully", async () => {
    const server = startApp("demo-server", ["--port", "0"]);
    const [, port = ""] = await server.waitForLine(/^启动监听127\.0\.0\.1:(\d+)成功$/);
    const client = startApp("demo-client", ["--port", port, "--count", "2", "--interval", "50"], {
      terminal: true,
    });
    await client.waitForLine(/^发送完毕,按回车键退出$/);
    await new Promise((resolve) => setTimeout(resolve, 500));
    expect(client.isRunning).toBe(true);
    expect(server.stdout.some((line) => line.includes("断开连接"))).toBe(false);

    client.write("\r");
    expect(await client.waitForExit()).toEqual({ code: 0, signal: null });
    await server.waitForLine(/^客户端127\.0\.0\.1:\d+断开连接$/);
    expect(client.stdout.filter((line) => line !== "").slice(0, 2)).toEqual([
      "连接服务器成功",
      "接收服务器消息:Server Say Hello",
    ]);
  });

  test("an unreachable server: the client waits for Enter, then exits with status 1", async () => {
    const server = startApp("demo-server", ["--port", "0"]);
    const [, port = ""] = await server.waitForLine(/^启动监听127\.0\.0\.1:(\d+)成功$/);
    server.signal("SIGTERM");
    await server.waitForExit();
    const client = startApp("demo-client", ["--port", port], { terminal: true });
    await client.waitForLine(/^连接服务器失败,请按回车键退出!$/);
    await new Promise((resolve) => setTimeout(resolve, 300));
    expect(client.isRunning).toBe(true);
    client.write("\r");
    expect(await client.waitForExit()).toEqual({ code: 1, signal: null });
  });
});
