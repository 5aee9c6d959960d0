import { ErrorCode, Kind, WireCode } from "@sockwire/protocol";
import { afterEach, describe, expect, test } from "vitest";
import type { ClientStatus } from "../src/index.js";
import { testContract } from "./support/contract.js";
import { Harness, sleep, until } from "./support/harness.js";
import { controlFrame, fakeServer } from "./support/raw-peer.js";

const h = new Harness();
afterEach(() => h.cleanup());

describe("#close", () => {
  test("everything accepted before close() reaches the server; the close is graceful", async () => {
    const got: number[] = [];
    let disconnect: { graceful: boolean; code: string } | undefined;
    const { port } = await h.server(testContract, {}, (s) => {
      s.on("seq", ({ n }) => void got.push(n));
      s.onDisconnect((_conn, info) => {
        disconnect = info;
      });
    });
    const client = h.client(testContract, { port });
    const statuses: ClientStatus[] = [];
    client.onStatus((s) => statuses.push(s));
    await client.connect();
    const sends = Array.from({ length: 1000 }, (_, n) => client.emit("seq", { n }));
    const closing = client.close();
    expect(client.state).toBe("closing");
    await closing;
    await Promise.all(sends);
    expect(got).toEqual(Array.from({ length: 1000 }, (_, n) => n));
    expect(statuses.slice(-2)).toMatchObject([
      { state: "closing", initiator: "local" },
      { state: "closed", graceful: true, error: undefined },
    ]);
    await until(() => disconnect !== undefined);
    expect(disconnect).toMatchObject({ graceful: true, code: WireCode.NORMAL });
  });

  test("requests in flight finish before the close completes", async () => {
    const { port } = await h.server(testContract, {}, (s) =>
      s.handle("sleep", async ({ ms, tag }) => {
        await sleep(ms);
        return { tag };
      }),
    );
    const client = h.client(testContract, { port });
    await client.connect();
    const answer = client.request("sleep", { ms: 60, tag: 1 });
    await sleep(5);
    await client.close();
    expect(await answer).toEqual({ tag: 1 });
  });

  test("a server that never sends its FIN: close() is bounded by its timeout and reports a forced close", async () => {
    const port = await h.raw((socket) => fakeServer(socket)); // ignores goaway and our FIN
    const client = h.client(testContract, { port });
    const statuses: ClientStatus[] = [];
    client.onStatus((s) => statuses.push(s));
    await client.connect();
    const start = performance.now();
    await client.close({ timeoutMs: 150 });
    const elapsed = performance.now() - start;
    expect(elapsed).toBeGreaterThanOrEqual(140);
    expect(elapsed).toBeLessThan(1500);
    expect(statuses.at(-1)).toMatchObject({ state: "closed", graceful: false });
  });

  // The side that sends the first FIN keeps the connection's TIME_WAIT state; on a client each one
  // ties up an ephemeral port, so the server closes first.
  test("close() leaves the first FIN to the server: the client's follows it, and the close is graceful", async () => {
    const order: string[] = [];
    const port = await h.raw((socket) => {
      socket.on("end", () => order.push("client FIN"));
      fakeServer(socket, {
        onFrame: (envelope) => {
          if (envelope.kind !== Kind.GOAWAY) return;
          order.push("goaway");
          // Time for a client that would FIN right after its goaway to do so.
          setTimeout(() => {
            order.push("server FIN");
            socket.end();
          }, 50);
        },
      });
    });
    const client = h.client(testContract, { port });
    const statuses: ClientStatus[] = [];
    client.onStatus((s) => statuses.push(s));
    await client.connect();
    await client.close({ timeoutMs: 5_000 });
    await until(() => order.length === 3);
    expect(order).toEqual(["goaway", "server FIN", "client FIN"]);
    expect(statuses.at(-1)).toMatchObject({ state: "closed", graceful: true });
  });

  test("after the server's goaway, too, the client sends its FIN only after the server's", async () => {
    const order: string[] = [];
    const port = await h.raw((socket) => {
      socket.on("end", () => order.push("client FIN"));
      fakeServer(socket, { after: [controlFrame(Kind.GOAWAY, { code: WireCode.GOING_AWAY })] });
      setTimeout(() => {
        order.push("server FIN");
        socket.end();
      }, 80);
    });
    const client = h.client(testContract, { port, reconnect: false });
    const statuses: ClientStatus[] = [];
    client.onStatus((s) => statuses.push(s));
    await client.connect();
    await until(() => client.state === "closed");
    expect(statuses.slice(-2)).toMatchObject([
      { state: "closing", initiator: "remote" },
      { state: "closed", graceful: true },
    ]);
    await until(() => order.length === 2);
    expect(order).toEqual(["server FIN", "client FIN"]);
  });

  test("close() before the handshake completes sends the client's own FIN: no goaway, nothing to wait for", async () => {
    let clientFin = false;
    const port = await h.raw((socket) => {
      socket.on("end", () => (clientFin = true));
      socket.resume(); // reads the hello and never welcomes
    });
    const client = h.client(testContract, { port, reconnect: false });
    const connecting = client.connect().catch((error: unknown) => error);
    await until(() => client.state === "connecting");
    await sleep(20);
    await client.close({ timeoutMs: 5_000 });
    await until(() => clientFin);
    expect(await connecting).toMatchObject({ code: ErrorCode.CONNECTION_CLOSED });
  });

  test("close() twice returns the same completion; close() on an idle client closes at once", async () => {
    const { port } = await h.server(testContract);
    const idle = h.client(testContract, { port });
    await idle.close();
    expect(idle.state).toBe("closed");
    const client = h.client(testContract, { port });
    await client.connect();
    await Promise.all([client.close(), client.close()]);
    expect(client.state).toBe("closed");
    await client.close();
  });

  test("await using closes the client at the end of the scope", async () => {
    const { server, port } = await h.server(testContract);
    let outer: { state: string } | undefined;
    {
      await using client = h.client(testContract, { port });
      await client.connect();
      outer = client;
      expect(server.connections.size).toBe(1);
    }
    expect(outer?.state).toBe("closed");
    await until(() => server.connections.size === 0);
  });
});

describe("#destroy", () => {
  test("is immediate and lossy: pending work rejects with ERR_CONNECTION_CLOSED", async () => {
    const { port } = await h.server(testContract, {}, (s) =>
      s.handle("hang", () => new Promise(() => {})),
    );
    const client = h.client(testContract, { port });
    const statuses: ClientStatus[] = [];
    client.onStatus((s) => statuses.push(s));
    await client.connect();
    const pending = client.request("hang", {});
    await until(() => client.stats().inFlightRequests === 1);
    client.destroy();
    expect(client.state).toBe("closed");
    await expect(pending).rejects.toMatchObject({ code: ErrorCode.CONNECTION_CLOSED });
    expect(statuses.at(-1)).toMatchObject({ state: "closed", graceful: false });
    client.destroy(); // idempotent
  });
});

describe("case 21: graceful close with data in flight", () => {
  test("the server sends 1,000 messages then closes: the client gets all of them, then a normal close (50 repetitions)", async () => {
    const { port } = await h.server(testContract, {}, (s) =>
      s.onConnection((conn) => {
        for (let n = 0; n < 1000; n++) void conn.emit("tick", { n });
        void conn.close();
      }),
    );
    const deadline = Date.now() + 30_000;
    for (let rep = 0; rep < 50 && Date.now() < deadline; rep++) {
      const client = h.client(testContract, { port, reconnect: false });
      let count = 0;
      let inOrder = true;
      let countAtClose = -1;
      client.on("tick", ({ n }) => {
        if (n !== count) inOrder = false;
        count++;
      });
      const closed = new Promise<ClientStatus>((resolve) =>
        client.onStatus((s) => {
          if (s.state !== "closed") return;
          countAtClose = count;
          resolve(s);
        }),
      );
      await client.connect();
      const status = await closed;
      expect(countAtClose, `repetition ${rep}`).toBe(1000);
      expect(inOrder).toBe(true);
      expect(status).toMatchObject({ graceful: true, error: { remoteCode: WireCode.NORMAL } });
    }
  });
});

describe("status listeners", () => {
  test("a throwing status listener is reported and does not break the state machine", async () => {
    const { port } = await h.server(testContract);
    const client = h.client(testContract, { port });
    const errors: unknown[] = [];
    client.onError((e) => errors.push(e));
    const stop = client.onStatus(() => {
      throw new Error("status listener bug");
    });
    await client.connect();
    expect(client.state).toBe("open");
    expect(errors).toMatchObject([
      { code: ErrorCode.HANDLER_FAILED },
      { code: ErrorCode.HANDLER_FAILED },
    ]);
    stop();
    await client.close();
    expect(errors).toHaveLength(2);
  });

  test("a status listener may destroy the client while it starts reconnecting: no attempt follows", async () => {
    const { server, port } = await h.server(testContract);
    const client = h.client(testContract, { port });
    const states: string[] = [];
    client.onStatus((s) => {
      states.push(s.state);
      if (s.state === "reconnecting") client.destroy();
    });
    await client.connect();
    for (const conn of server.connections.values()) conn.destroy();
    await until(() => client.state === "closed");
    await sleep(100); // several backoff delays (20 ms) later
    expect(states).toEqual(["connecting", "open", "reconnecting", "closed"]);
  });

  test("a status listener may destroy the client when close() begins", async () => {
    const { port } = await h.server(testContract);
    const client = h.client(testContract, { port });
    client.onStatus((s) => {
      if (s.state === "closing") client.destroy();
    });
    await client.connect();
    await client.close();
    expect(client.state).toBe("closed");
  });

  test("a status listener may close the client while it opens", async () => {
    const { port } = await h.server(testContract);
    const client = h.client(testContract, { port });
    client.onStatus((s) => {
      if (s.state === "open") void client.close();
    });
    await expect(client.connect()).rejects.toMatchObject({ code: ErrorCode.CONNECTION_CLOSED });
    await until(() => client.state === "closed");
  });
});
