import { UsageError } from "demo-contract";
import { describe, expect, test } from "vitest";
import { clientLines } from "../src/lines.js";
import { CLIENT_USAGE, parseClientOptions } from "../src/options.js";

describe("parseClientOptions", () => {
  test("defaults are the article's", () => {
    expect(parseClientOptions([])).toEqual({
      kind: "run",
      options: {
        host: "127.0.0.1",
        port: 18888,
        lang: "zh",
        wire: "framed",
        count: 10,
        intervalMs: 1000,
      },
    });
  });

  test("every option", () => {
    const argv = [
      "--host",
      "::1",
      "--port=9",
      "--lang",
      "en",
      "--wire",
      "raw",
      "--count",
      "0",
      "--interval",
      "50",
    ];
    expect(parseClientOptions(argv)).toEqual({
      kind: "run",
      options: { host: "::1", port: 9, lang: "en", wire: "raw", count: 0, intervalMs: 50 },
    });
  });

  test("--help and -h", () => {
    expect(parseClientOptions(["--help"])).toEqual({ kind: "help" });
    expect(parseClientOptions(["-h"])).toEqual({ kind: "help" });
    for (const option of [
      "--host",
      "--port",
      "--lang",
      "--wire",
      "--count",
      "--interval",
      "--help",
    ]) {
      expect(CLIENT_USAGE).toContain(option);
    }
  });

  test.each([
    ["port 0 (a client needs a real port)", ["--port", "0"]],
    ["negative count", ["--count", "-1"]],
    ["fractional interval", ["--interval", "0.5"]],
    ["huge interval", ["--interval", "3600001"]],
    ["unknown language", ["--lang", "de"]],
    ["unknown wire", ["--wire", "udp"]],
    ["a server option", ["--backlog", "10"]],
    ["a stray argument", ["now"]],
  ])("rejects %s", (_name, argv) => {
    expect(() => parseClientOptions(argv)).toThrow(UsageError);
  });
});

describe("clientLines", () => {
  test("the article's Chinese lines, including the trailing space of the sent line", () => {
    const zh = clientLines("zh", { waitsForEnter: true });
    expect(zh.connected()).toBe("连接服务器成功");
    expect(zh.greeting("Server Say Hello")).toBe("接收服务器消息:Server Say Hello");
    expect(zh.sent("Client send Message on 2017/4/19 23:15:24")).toBe(
      "向服务器发送消息:Client send Message on 2017/4/19 23:15:24 ",
    );
    expect(zh.allSent()).toBe("发送完毕,按回车键退出");
    expect(zh.connectFailed()).toBe("连接服务器失败,请按回车键退出!");
    expect(zh.lost(undefined)).toBe("与服务器的连接已断开");
    expect(zh.lost("ECONNRESET")).toBe("与服务器的连接已断开(ECONNRESET)");
  });

  test("English lines with the same meaning", () => {
    const en = clientLines("en", { waitsForEnter: true });
    expect(en.connected()).toBe("Connected to server");
    expect(en.greeting("Server Say Hello")).toBe("Received from server: Server Say Hello");
    expect(en.sent("x")).toBe("Sent to server: x");
    expect(en.allSent()).toBe("All sent, press Enter to exit");
    expect(en.connectFailed()).toBe("Could not connect to server, press Enter to exit!");
    expect(en.lost("GOING_AWAY")).toBe("Lost the connection to the server (GOING_AWAY)");
  });

  test("without a terminal, the lines that asked for Enter say that the client exits", () => {
    const zh = clientLines("zh", { waitsForEnter: false });
    expect(zh.allSent()).toBe("发送完毕,正在退出");
    expect(zh.connectFailed()).toBe("连接服务器失败,正在退出!");
    const en = clientLines("en", { waitsForEnter: false });
    expect(en.allSent()).toBe("All sent, exiting");
    expect(en.connectFailed()).toBe("Could not connect to server, exiting!");
    // Every other line is the same as on a terminal.
    for (const lang of ["zh", "en"] as const) {
      const [tty, pipe] = [true, false].map((waitsForEnter) =>
        clientLines(lang, { waitsForEnter }),
      );
      expect(pipe?.connected()).toBe(tty?.connected());
      expect(pipe?.sent("x")).toBe(tty?.sent("x"));
      expect(pipe?.lost("GOING_AWAY")).toBe(tty?.lost("GOING_AWAY"));
    }
  });

  test("text from the server cannot add lines", () => {
    expect(clientLines("zh", { waitsForEnter: false }).greeting("a\nb")).toBe(
      "接收服务器消息:a\\nb",
    );
  });
});
