import { once } from "node:events";
import { describe, expect, test } from "vitest";
import { socketPair } from "./socket-pair.js";

// The in-memory socket pair the session tests stand on behaves as a TCP connection does where
// they rely on it: data on a later tick, FIN and half-close, close after both FINs, reset, and
// backpressure when one end stops reading.

const tick = () => new Promise<void>((resolve) => setImmediate(resolve));

function collect(socket: NodeJS.ReadableStream): Buffer[] {
  const chunks: Buffer[] = [];
  socket.on("data", (chunk: Buffer) => chunks.push(chunk));
  return chunks;
}

describe("socketPair", () => {
  test("what one end writes the other reads on a later tick, in order; writes are recorded", async () => {
    const { local, remote } = socketPair();
    const received = collect(remote);
    local.write(Buffer.from("ab"));
    local.write(Buffer.from("c"));
    expect(received).toEqual([]);
    await tick();
    expect(Buffer.concat(received).toString()).toBe("abc");
    expect(local.writes.map(String)).toEqual(["ab", "c"]);
    expect(local.written().toString()).toBe("abc");
  });

  test("a FIN ends the peer's input; with half-open allowed its output stays open", async () => {
    const { local, remote } = socketPair();
    const received = collect(local);
    remote.resume();
    local.end();
    await once(remote, "end");
    expect(remote.writable).toBe(true);
    const closed = once(local, "close");
    remote.end(Buffer.from("late"));
    await closed; // both sides ended: the socket closes
    expect(Buffer.concat(received).toString()).toBe("late");
    expect(remote.destroyed).toBe(true);
  });

  test("without half-open, the peer's FIN ends this end's output too", async () => {
    const { local, remote } = socketPair({ allowHalfOpen: false });
    local.resume();
    remote.resume();
    const finished = once(remote, "finish");
    const closed = once(local, "close");
    local.end();
    await finished;
    await closed;
  });

  test("destroying one end destroys the other", async () => {
    const { local, remote } = socketPair();
    local.destroy();
    await once(remote, "close");
    expect(remote.destroyed).toBe(true);
  });

  test("an end that stops reading backs its peer up; drain comes when it reads again", async () => {
    const { local, remote } = socketPair({ highWaterMark: 100 });
    const received = collect(remote);
    remote.stopReading();
    expect(local.write(Buffer.alloc(60))).toBe(true);
    expect(local.write(Buffer.alloc(60))).toBe(false);
    await tick();
    expect(local.writableLength).toBe(120);
    expect(received).toEqual([]);
    const drained = once(local, "drain");
    remote.startReading();
    await drained;
    expect(local.writableLength).toBe(0);
    await tick();
    expect(Buffer.concat(received).length).toBe(120);
  });

  test("a FIN written while the peer is not reading arrives after the data before it", async () => {
    const { local, remote } = socketPair();
    const received = collect(remote);
    let endedAfter: string | undefined;
    remote.on("end", () => {
      endedAfter = Buffer.concat(received).toString();
    });
    remote.stopReading();
    local.write(Buffer.from("one"));
    local.write(Buffer.from("two"));
    local.end();
    await tick();
    expect(endedAfter).toBeUndefined();
    remote.startReading();
    await tick();
    expect(endedAfter).toBe("onetwo");
  });

  test("it has the socket members a session uses", () => {
    const { local, remote } = socketPair();
    expect(local.noDelay).toBeUndefined();
    local.setNoDelay();
    expect(local.noDelay).toBe(true);
    expect([typeof local.remoteAddress, typeof remote.remotePort]).toEqual(["string", "number"]);
  });
});
