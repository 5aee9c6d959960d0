import net from "node:net";
import { afterEach, describe, expect, test } from "vitest";
import { RawTransport } from "../src/raw-transport.js";
import { TransportError } from "../src/transport.js";

// RawTransport against a plain node:net server standing in for the article's ServerSocket.

const cleanups: Array<() => Promise<void> | void> = [];
afterEach(async () => {
  for (const cleanup of cleanups.splice(0).reverse()) await cleanup();
});

interface FakeServer {
  port: number;
  /** Resolves with the server side of the next accepted connection. */
  accepted: Promise<net.Socket>;
}

async function fakeServer(
  onSocket: (socket: net.Socket) => void,
  allowHalfOpen = true,
): Promise<FakeServer> {
  let resolveAccepted: (socket: net.Socket) => void = () => {};
  const accepted = new Promise<net.Socket>((resolve) => {
    resolveAccepted = resolve;
  });
  const sockets = new Set<net.Socket>();
  const server = net.createServer({ allowHalfOpen }, (socket) => {
    sockets.add(socket);
    onSocket(socket);
    resolveAccepted(socket);
  });
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  cleanups.push(
    () =>
      new Promise<void>((resolve) => {
        for (const socket of sockets) socket.destroy();
        server.close(() => resolve());
      }),
  );
  return { port: (server.address() as net.AddressInfo).port, accepted };
}

function transport(port: number, closeTimeoutMs = 1000): RawTransport {
  const t = new RawTransport({ host: "127.0.0.1", port, closeTimeoutMs });
  cleanups.push(() => t.close());
  return t;
}

function readAll(socket: net.Socket): Promise<Buffer> {
  const chunks: Buffer[] = [];
  socket.on("data", (chunk: Buffer) => chunks.push(chunk));
  return new Promise((resolve) => socket.once("end", () => resolve(Buffer.concat(chunks))));
}

describe("RawTransport", () => {
  test("reads the first chunk as the greeting and writes messages as plain ASCII bytes", async () => {
    const server = await fakeServer((socket) => socket.write("Server Say Hello"));
    const t = transport(server.port);
    await t.connect();
    await expect(t.greeting).resolves.toBe("Server Say Hello");
    const socket = await server.accepted;
    const received = readAll(socket);
    await t.send("Client send Message on 2017/4/19 23:15:24");
    await t.send(" 你");
    // Our FIN ends the server's read; the server answers with its own.
    socket.on("end", () => socket.end());
    await t.close();
    expect((await received).toString("latin1")).toBe("Client send Message on 2017/4/19 23:15:24 ?");
  });

  test("a server that closes its side is a lost connection", async () => {
    const server = await fakeServer((socket) => socket.end("Server Say Hello"));
    const t = transport(server.port);
    await t.connect();
    await expect(t.greeting).resolves.toBe("Server Say Hello");
    await expect(t.lost).resolves.toBeUndefined();
    await expect(t.send("late")).rejects.toBeInstanceOf(TransportError);
  });

  test("a reset is a lost connection with its code", async () => {
    const server = await fakeServer(() => {});
    const t = transport(server.port);
    await t.connect();
    (await server.accepted).resetAndDestroy();
    await expect(t.lost).resolves.toBe("ECONNRESET");
  });

  test("close does not hang on a server that never closes (the article's server)", async () => {
    const server = await fakeServer((socket) => {
      socket.write("Server Say Hello");
      socket.resume();
    });
    const t = transport(server.port, 200);
    await t.connect();
    await t.greeting;
    const started = Date.now();
    await t.close();
    expect(Date.now() - started).toBeLessThan(5000);
    // The server saw our FIN, so the end of the stream was announced, not left to process exit.
    const serverSide = await server.accepted;
    expect(serverSide.readableEnded).toBe(true);
  });

  test("an unreachable server rejects connect with the system code", async () => {
    const server = await fakeServer(() => {});
    const port = server.port;
    await cleanups.pop()?.();
    const t = transport(port);
    await expect(t.connect()).rejects.toMatchObject({
      name: "TransportError",
      reason: "ECONNREFUSED",
    });
  });
});
