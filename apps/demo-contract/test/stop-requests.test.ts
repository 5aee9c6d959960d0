import { EventEmitter } from "node:events";
import { PassThrough } from "node:stream";
import { describe, expect, test } from "vitest";
import { type SignalSource, waitForEnter, watchStopRequests } from "../src/index.js";

class FakeSignals extends EventEmitter implements SignalSource {
  override once(event: "SIGINT" | "SIGTERM", listener: () => void): this {
    return super.once(event, listener);
  }
  override off(event: "SIGINT" | "SIGTERM", listener: () => void): this {
    return super.off(event, listener);
  }
}

describe("waitForEnter", () => {
  test("resolves on a newline, even one split from its line", async () => {
    const input = new PassThrough();
    const waiting = waitForEnter(input);
    input.write("abc");
    input.write("\n");
    await expect(waiting).resolves.toBe("enter");
    expect(input.listenerCount("data")).toBe(0);
    expect(input.isPaused()).toBe(true);
  });

  test("resolves on end of input", async () => {
    const input = new PassThrough();
    const waiting = waitForEnter(input);
    input.end();
    await expect(waiting).resolves.toBe("end");
  });

  test("resolves on abort and releases the input", async () => {
    const input = new PassThrough();
    const ac = new AbortController();
    const waiting = waitForEnter(input, ac.signal);
    ac.abort();
    await expect(waiting).resolves.toBe("aborted");
    expect(input.listenerCount("data") + input.listenerCount("end")).toBe(0);
    await expect(waitForEnter(input, ac.signal)).resolves.toBe("aborted");
  });
});

describe("watchStopRequests", () => {
  test.each(["SIGINT", "SIGTERM"] as const)("%s requests a stop", async (signal) => {
    const signals = new FakeSignals();
    const stop = watchStopRequests({ signals });
    signals.emit(signal);
    await expect(stop.requested).resolves.toBe(signal);
    stop.dispose();
    expect(signals.listenerCount("SIGINT") + signals.listenerCount("SIGTERM")).toBe(0);
  });

  test("Enter on the input requests a stop", async () => {
    const signals = new FakeSignals();
    const input = new PassThrough();
    const stop = watchStopRequests({ signals, input });
    input.write("\n");
    await expect(stop.requested).resolves.toBe("enter");
    stop.dispose();
  });

  test("the first request wins", async () => {
    const signals = new FakeSignals();
    const stop = watchStopRequests({ signals });
    signals.emit("SIGTERM");
    signals.emit("SIGINT");
    await expect(stop.requested).resolves.toBe("SIGTERM");
    stop.dispose();
    stop.dispose();
  });

  test("dispose releases the input without requesting a stop", async () => {
    const signals = new FakeSignals();
    const input = new PassThrough();
    const stop = watchStopRequests({ signals, input });
    stop.dispose();
    input.write("\n");
    const outcome = await Promise.race([
      stop.requested,
      new Promise((r) => setTimeout(() => r("none"), 50)),
    ]);
    expect(outcome).toBe("none");
    expect(input.listenerCount("data")).toBe(0);
  });
});
