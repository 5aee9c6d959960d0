import { describe, expect, test } from "vitest";
import { clientLines } from "../src/lines.js";
import { runClientSession, type SessionEnvironment, type SessionPlan } from "../src/session.js";
import { type ClientTransport, TransportError } from "../src/transport.js";

function controllable<T>() {
  let resolve: (value: T) => void = () => {};
  const promise = new Promise<T>((r) => {
    resolve = r;
  });
  return { promise, resolve };
}

/** A transport driven by the test: no sockets. */
class FakeTransport implements ClientTransport {
  readonly sent: string[] = [];
  closes = 0;
  connectError: Error | undefined;
  sendError: ((index: number) => Error | undefined) | undefined;
  private readonly greetingSource = controllable<string>();
  private readonly lostSource = controllable<string | undefined>();
  readonly greeting = this.greetingSource.promise;
  readonly lost = this.lostSource.promise;

  constructor(greets = true) {
    if (greets) this.greetingSource.resolve("Server Say Hello");
  }
  async connect(): Promise<void> {
    if (this.connectError) throw this.connectError;
  }
  async send(text: string): Promise<void> {
    const err = this.sendError?.(this.sent.length);
    if (err) throw err;
    this.sent.push(text);
  }
  loseConnection(reason: string | undefined): void {
    this.lostSource.resolve(reason);
  }
  async close(): Promise<void> {
    this.closes++;
  }
}

function environment(overrides: Partial<SessionEnvironment> = {}) {
  const printed: string[] = [];
  const reported: string[] = [];
  const sleeps: number[] = [];
  let second = 24;
  let enterWaits = 0;
  const stop = controllable<unknown>();
  const env: SessionEnvironment = {
    lines: clientLines("zh", { waitsForEnter: true }),
    print: (line) => printed.push(line),
    report: (line) => reported.push(line),
    now: () => new Date(2017, 3, 19, 23, 15, second++),
    sleep: async (ms) => {
      sleeps.push(ms);
    },
    waitForEnter: async () => {
      enterWaits++;
    },
    stopRequested: stop.promise,
    ...overrides,
  };
  return { env, printed, reported, sleeps, stop, enterWaits: () => enterWaits };
}

const plan: SessionPlan = { count: 3, intervalMs: 1000, greetingTimeoutMs: 5000 };

describe("runClientSession", () => {
  test("the article's session, line for line", async () => {
    const transport = new FakeTransport();
    const { env, printed, sleeps, enterWaits } = environment();
    await expect(runClientSession(transport, plan, env)).resolves.toBe(0);
    expect(printed).toEqual([
      "连接服务器成功",
      "接收服务器消息:Server Say Hello",
      "向服务器发送消息:Client send Message on 2017/4/19 23:15:24 ",
      "向服务器发送消息:Client send Message on 2017/4/19 23:15:25 ",
      "向服务器发送消息:Client send Message on 2017/4/19 23:15:26 ",
      "发送完毕,按回车键退出",
    ]);
    expect(transport.sent).toEqual([
      "Client send Message on 2017/4/19 23:15:24",
      "Client send Message on 2017/4/19 23:15:25",
      "Client send Message on 2017/4/19 23:15:26",
    ]);
    // Like the original, it pauses before every message, the first included.
    expect(sleeps).toEqual([1000, 1000, 1000]);
    expect(enterWaits()).toBe(1);
    expect(transport.closes).toBe(1);
  });

  test("count 0 goes straight to the closing line", async () => {
    const { env, printed } = environment();
    await expect(runClientSession(new FakeTransport(), { ...plan, count: 0 }, env)).resolves.toBe(
      0,
    );
    expect(printed).toEqual([
      "连接服务器成功",
      "接收服务器消息:Server Say Hello",
      "发送完毕,按回车键退出",
    ]);
  });

  test("an unreachable server prints the failure line and fails", async () => {
    const transport = new FakeTransport();
    transport.connectError = new TransportError("ECONNREFUSED", "connect ECONNREFUSED 127.0.0.1:1");
    const { env, printed, reported, enterWaits } = environment();
    await expect(runClientSession(transport, plan, env)).resolves.toBe(1);
    expect(printed).toEqual(["连接服务器失败,请按回车键退出!"]);
    expect(reported).toEqual(["connect failed: ECONNREFUSED: connect ECONNREFUSED 127.0.0.1:1"]);
    expect(enterWaits()).toBe(1);
  });

  test("a connection lost mid-session prints one line and fails", async () => {
    const transport = new FakeTransport();
    const { env, printed } = environment({
      sleep: async () => {
        if (transport.sent.length === 2) transport.loseConnection("ECONNRESET");
        await new Promise((resolve) => setTimeout(resolve, 5));
      },
    });
    await expect(runClientSession(transport, plan, env)).resolves.toBe(1);
    expect(printed.slice(2, 4)).toHaveLength(2);
    expect(printed.slice(4)).toEqual(["与服务器的连接已断开(ECONNRESET)"]);
    expect(transport.closes).toBe(1);
  });

  test("a failed send counts as a lost connection", async () => {
    const transport = new FakeTransport();
    transport.sendError = (i) =>
      i === 1 ? new TransportError("ERR_NOT_CONNECTED", "closed") : undefined;
    const { env, printed, reported } = environment();
    await expect(runClientSession(transport, plan, env)).resolves.toBe(1);
    expect(printed).toHaveLength(4);
    expect(printed[3]).toBe("与服务器的连接已断开(ERR_NOT_CONNECTED)");
    expect(reported).toEqual(["connection lost: ERR_NOT_CONNECTED: closed"]);
  });

  test("a stop request closes gracefully and succeeds", async () => {
    const transport = new FakeTransport();
    const { env, printed, stop } = environment({
      sleep: async () => {
        if (transport.sent.length === 1) stop.resolve("SIGINT");
        await new Promise((resolve) => setTimeout(resolve, 5));
      },
    });
    await expect(runClientSession(transport, plan, env)).resolves.toBe(0);
    expect(printed).toHaveLength(3);
    expect(transport.closes).toBe(1);
  });

  test("a server that never greets is reported after the greeting timeout", async () => {
    const transport = new FakeTransport(false);
    const { env, printed } = environment();
    await expect(
      runClientSession(transport, { ...plan, greetingTimeoutMs: 20 }, env),
    ).resolves.toBe(1);
    expect(printed).toEqual(["连接服务器成功", "与服务器的连接已断开(no greeting within 20 ms)"]);
  });

  test("the English session", async () => {
    const { env, printed } = environment({ lines: clientLines("en", { waitsForEnter: true }) });
    await expect(runClientSession(new FakeTransport(), { ...plan, count: 1 }, env)).resolves.toBe(
      0,
    );
    expect(printed).toEqual([
      "Connected to server",
      "Received from server: Server Say Hello",
      "Sent to server: Client send Message on 2017/4/19 23:15:24",
      "All sent, press Enter to exit",
    ]);
  });
});
