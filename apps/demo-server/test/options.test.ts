import { UsageError } from "demo-contract";
import { describe, expect, test } from "vitest";
import { abnormalReason } from "../src/framed-server.js";
import { serverLines } from "../src/lines.js";
import { parseServerOptions, SERVER_USAGE } from "../src/options.js";

describe("parseServerOptions", () => {
  test("defaults are the article's", () => {
    expect(parseServerOptions([])).toEqual({
      kind: "run",
      options: { host: "127.0.0.1", port: 18888, lang: "zh", wire: "framed", reflection: false },
    });
  });

  test("every option; port 0 takes any free port", () => {
    expect(
      parseServerOptions(["--host", "::1", "--port", "0", "--lang", "en", "--wire", "raw"]),
    ).toEqual({
      kind: "run",
      options: { host: "::1", port: 0, lang: "en", wire: "raw", reflection: false },
    });
    expect(parseServerOptions(["--reflection"])).toMatchObject({ options: { reflection: true } });
  });

  test("--help", () => {
    expect(parseServerOptions(["-h"])).toEqual({ kind: "help" });
    for (const option of ["--host", "--port", "--lang", "--wire", "--reflection", "--help"])
      expect(SERVER_USAGE).toContain(option);
  });

  test.each([
    ["port out of range", ["--port", "65536"]],
    ["a client option", ["--count", "3"]],
    ["unknown language", ["--lang", "jp"]],
    ["missing value", ["--host"]],
    ["reflection on the raw wire", ["--wire", "raw", "--reflection"]],
  ])("rejects %s", (_name, argv) => {
    expect(() => parseServerOptions(argv)).toThrow(UsageError);
  });
});

describe("serverLines", () => {
  test("the article's Chinese lines", () => {
    const zh = serverLines("zh");
    expect(zh.listening("127.0.0.1:18888")).toBe("启动监听127.0.0.1:18888成功");
    expect(zh.received("127.0.0.1:63939", "Client send Message on 2017/4/19 23:15:24")).toBe(
      "接收客户端127.0.0.1:63939消息Client send Message on 2017/4/19 23:15:24",
    );
    expect(zh.left("127.0.0.1:63939", undefined)).toBe("客户端127.0.0.1:63939断开连接");
    expect(zh.left("127.0.0.1:63939", "HEARTBEAT_TIMEOUT")).toBe(
      "客户端127.0.0.1:63939断开连接(HEARTBEAT_TIMEOUT)",
    );
    expect(zh.listenFailed("127.0.0.1:18888", "EADDRINUSE")).toBe(
      "启动监听127.0.0.1:18888失败(EADDRINUSE)",
    );
    expect(zh.stopped()).toBe("服务器已停止");
  });

  test("English lines with the same meaning", () => {
    const en = serverLines("en");
    expect(en.listening("127.0.0.1:18888")).toBe("Started listening on 127.0.0.1:18888");
    expect(en.received("[::1]:5", "hi")).toBe("Received from client [::1]:5: hi");
    expect(en.left("[::1]:5", undefined)).toBe("Client [::1]:5 disconnected");
    expect(en.left("[::1]:5", "ECONNRESET")).toBe("Client [::1]:5 disconnected (ECONNRESET)");
    expect(en.listenFailed("127.0.0.1:1", "EACCES")).toBe(
      "Could not listen on 127.0.0.1:1 (EACCES)",
    );
    expect(en.stopped()).toBe("Server stopped");
  });

  test("a message cannot forge lines", () => {
    expect(serverLines("zh").received("a:1", "x\n接收客户端b:2消息y")).toBe(
      "接收客户端a:1消息x\\n接收客户端b:2消息y",
    );
  });
});

describe("abnormalReason", () => {
  const base = { message: "", initiator: "remote" as const, error: undefined };

  test("a graceful NORMAL or GOING_AWAY close is normal", () => {
    expect(abnormalReason({ ...base, code: "NORMAL", graceful: true })).toBeUndefined();
    expect(
      abnormalReason({ ...base, code: "GOING_AWAY", graceful: true, initiator: "local" }),
    ).toBeUndefined();
  });

  test("anything else shows its code, and the system error behind it", () => {
    expect(abnormalReason({ ...base, code: "HEARTBEAT_TIMEOUT", graceful: false })).toBe(
      "HEARTBEAT_TIMEOUT",
    );
    expect(abnormalReason({ ...base, code: "NORMAL", graceful: false })).toBe("NORMAL");
    const reset = Object.assign(new Error("read ECONNRESET"), { code: "ECONNRESET" });
    const error = Object.assign(new Error("socket error", { cause: reset }), {
      code: "ERR_SOCKET",
    });
    expect(
      abnormalReason({ ...base, code: "PROTOCOL_ERROR", graceful: false, error: error as never }),
    ).toBe("PROTOCOL_ERROR, ECONNRESET");
  });
});
