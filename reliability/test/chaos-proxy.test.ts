import { createServer, type Server, type Socket, connect as tcpConnect } from "node:net";
import { afterEach, describe, expect, test } from "vitest";
import { ChaosProxy } from "../src/chaos/chaos-proxy.js";
import { FaultInjector, seededRandom } from "../src/chaos/faults.js";
import { sleep, until } from "../src/wait.js";

// The soak's verdicts are only as good as its proxy: these check that each fault does exactly
// what the soak report says it does.

const open: Array<{ close(): unknown }> = [];
afterEach(async () => {
  for (const item of open.splice(0)) await item.close();
});

interface Peer {
  socket: Socket;
  received: Buffer[];
  ended: boolean;
  errors: string[];
  closed: boolean;
}

function watch(socket: Socket): Peer {
  const peer: Peer = { socket, received: [], ended: false, errors: [], closed: false };
  socket.on("data", (chunk: Buffer) => peer.received.push(chunk));
  socket.on("end", () => {
    peer.ended = true;
  });
  socket.on("error", (e: NodeJS.ErrnoException) => peer.errors.push(e.code ?? e.message));
  socket.on("close", () => {
    peer.closed = true;
  });
  return peer;
}

/** A raw server that keeps its accepted sockets (half-open allowed) and a client through a proxy. */
async function rig(): Promise<{ proxy: ChaosProxy; client: Peer; server: () => Peer }> {
  let accepted: Peer | undefined;
  const server: Server = createServer({ allowHalfOpen: true }, (s) => {
    accepted = watch(s);
  });
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  const port = (server.address() as { port: number }).port;
  const proxy = await ChaosProxy.start({ port, keepHistory: true });
  open.push(
    { close: () => proxy.close() },
    {
      close: () => {
        accepted?.socket.destroy();
        return new Promise((r) => server.close(r));
      },
    },
  );
  const socket = tcpConnect({ host: "127.0.0.1", port: proxy.port, allowHalfOpen: true });
  const client = watch(socket);
  open.push({ close: () => socket.destroy() });
  await until(() => accepted !== undefined && proxy.established().length === 1, "link up");
  return { proxy, client, server: () => accepted as Peer };
}

const text = (chunks: Buffer[]) => Buffer.concat(chunks).toString();

describe("ChaosProxy", () => {
  test("forwards bytes and FINs both ways and records that each end closed with a FIN", async () => {
    const { proxy, client, server } = await rig();
    client.socket.write("ping");
    await until(() => text(server().received) === "ping", "to server");
    server().socket.write("pong");
    await until(() => text(client.received) === "pong", "to client");
    client.socket.end();
    await until(() => server().ended, "FIN reaches the server");
    server().socket.end();
    await until(() => client.closed && server().closed, "both closed");
    await until(() => proxy.history.length === 1, "link closed");
    const link = proxy.history[0];
    expect(link?.client.endedAt).toBeDefined();
    expect(link?.server.endedAt).toBeDefined();
    expect(link?.client.errors).toEqual([]);
    expect(link?.server.errors).toEqual([]);
    expect(client.errors).toEqual([]);
  });

  test("an endpoint that resets is recorded as an RST, not a FIN, and the reset is passed on", async () => {
    const { proxy, client, server } = await rig();
    client.socket.resetAndDestroy();
    await until(() => server().closed && proxy.history.length === 1, "reset passed on");
    const link = proxy.history[0];
    expect(link?.client.errors).toEqual(["ECONNRESET"]);
    expect(link?.client.endedAt).toBeUndefined();
    expect(server().errors).toEqual(["ECONNRESET"]);
  });

  test("delay holds every byte and the FIN for the delay, in order", async () => {
    const { proxy, client, server } = await rig();
    const [link] = proxy.established();
    link?.delay(150);
    const start = performance.now();
    for (const part of ["a", "b", "c"]) client.socket.write(part);
    client.socket.end();
    await until(() => server().ended, "FIN after the delayed data", 3000);
    expect(performance.now() - start).toBeGreaterThanOrEqual(140);
    expect(text(server().received)).toBe("abc");
  });

  test("pause holds bytes without loss until resume", async () => {
    const { proxy, client, server } = await rig();
    const [link] = proxy.established();
    link?.pause();
    for (let i = 0; i < 100; i++) client.socket.write(`${i},`);
    await sleep(100);
    expect(server().received).toEqual([]);
    link?.resume();
    const expected = Array.from({ length: 100 }, (_, i) => `${i},`).join("");
    await until(() => text(server().received) === expected, "all bytes after resume");
  });

  test("a black hole swallows bytes and FINs but keeps both sockets open", async () => {
    const { proxy, client, server } = await rig();
    const [link] = proxy.established();
    link?.blackhole();
    client.socket.write("lost");
    client.socket.end();
    server().socket.write("lost too");
    await sleep(150);
    expect(server().received).toEqual([]);
    expect(server().ended).toBe(false);
    expect(client.received).toEqual([]);
    expect(server().closed || client.closed).toBe(false);
  });

  test("a cut resets both ends (RST, not FIN)", async () => {
    const { proxy, client, server } = await rig();
    const [link] = proxy.established();
    link?.cut();
    await until(() => client.closed && server().closed, "both closed");
    expect(client.errors).toEqual(["ECONNRESET"]);
    expect(server().errors).toEqual(["ECONNRESET"]);
    expect(client.ended || server().ended).toBe(false);
  });

  test("the injector starts faults at its rate, one per link at a time, and calm() ends them", async () => {
    const { proxy } = await rig();
    const injector = new FaultInjector(
      proxy,
      {
        perSecond: 40,
        weights: { delay: 1, pause: 1, blackhole: 0, cut: 0 },
        delayMs: [1, 2],
        delayForMs: [5000, 5000],
        pauseMs: [5000, 5000],
      },
      seededRandom(1),
    );
    injector.start();
    await sleep(300);
    injector.calm();
    // One link, and a fault lasts 5 s: exactly one fault could start.
    expect(injector.counts.delay + injector.counts.pause).toBe(1);
    expect(proxy.established()[0]?.mode).toBe("forward");
  });
});

test("seededRandom repeats its sequence for a seed", () => {
  const a = seededRandom(42);
  const b = seededRandom(42);
  const xs = Array.from({ length: 5 }, () => a());
  expect(Array.from({ length: 5 }, () => b())).toEqual(xs);
  for (const x of xs) expect(x >= 0 && x < 1).toBe(true);
  expect(seededRandom(43)()).not.toBe(xs[0]);
});
