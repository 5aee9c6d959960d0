import { createServer as createNetServer } from "node:net";
import {
  AppError,
  canonicalContract,
  contractDigest,
  defineContract,
  ErrorCode,
  Kind,
  WireCode,
} from "@sockwire/protocol";
import { afterEach, describe, expect, test } from "vitest";
import { z } from "zod";
import { contractFromForm, describeServer } from "../src/index.js";
import { authContract, testContract } from "./support/contract.js";
import { Harness } from "./support/harness.js";
import { controlFrame, readFrames } from "./support/raw-peer.js";
import { makeCertificate } from "./support/tls.js";

// describeServer: the reflecting handshake (PROTOCOL.md 8.1, "Reflection") against real servers,
// and a contract rebuilt from what it learned that connects and talks as the server's own.

const h = new Harness();
afterEach(() => h.cleanup());

/** Requests and events whose schemas a rebuilt contract cannot run: defaults and refinements. */
const jobs = defineContract({
  name: "jobs",
  client: {
    events: { ping: z.object({ loud: z.boolean().default(true) }) },
    requests: {
      run: {
        input: z.object({
          name: z
            .string()
            .min(1)
            .refine((s) => s !== "forbidden", "forbidden"),
          priority: z.int().min(0).max(9).default(5),
        }),
        output: z.object({ id: z.string(), priority: z.int() }),
      },
    },
  },
  server: { events: { done: z.object({ id: z.string() }) } },
});

describe("describeServer", () => {
  test("a server with reflection on describes its whole contract, and the connection closes", async () => {
    const { server, port } = await h.server(testContract, { reflection: true });
    const form = await describeServer({ port });
    expect(form).toEqual(canonicalContract(testContract));
    expect(server.stats()).toMatchObject({ opened: 0 });
    await expect.poll(() => server.stats().reflected).toBe(1);
    await expect.poll(() => server.stats().handshaking + server.stats().closing).toBe(0);
  });

  test("a contract rebuilt from the form connects as the server's own and exchanges messages", async () => {
    const pings: unknown[] = [];
    const { port } = await h.server(jobs, { reflection: true }, (s) => {
      s.on("ping", (data) => void pings.push(data));
      s.handle("run", (input, conn) => {
        void conn.emit("done", { id: "j1" });
        return { id: "j1", priority: input.priority };
      });
    });
    const copy = contractFromForm(await describeServer({ port }));
    expect(contractDigest(copy)).toBe(contractDigest(jobs));
    const client = h.client(copy, { port, reconnect: false });
    const done: unknown[] = [];
    client.on("done", (data) => void done.push(data));
    await client.connect();
    expect(client.disabledMessages).toEqual([]);
    // The server fills in its own defaults and runs its own refinement.
    await expect(client.request("run", { name: "build" })).resolves.toEqual({
      id: "j1",
      priority: 5,
    });
    await expect(client.request("run", { name: "forbidden" })).rejects.toMatchObject({
      code: ErrorCode.REMOTE_ERROR,
      remoteCode: WireCode.VALIDATION_ERROR,
    });
    await expect(client.request("run", { name: "" })).rejects.toMatchObject({
      code: ErrorCode.VALIDATION_FAILED,
    });
    await client.emit("ping", {});
    await expect.poll(() => pings).toEqual([{ loud: true }]);
    expect(done).toEqual([{ id: "j1" }]);
  });

  test("reflection off (the default): ERR_REFLECTION_DISABLED", async () => {
    const { port } = await h.server(testContract);
    await expect(describeServer({ port })).rejects.toMatchObject({
      code: ErrorCode.REFLECTION_DISABLED,
      remoteCode: WireCode.REFLECTION_DISABLED,
    });
  });

  test("credentials reach the server, which checks them and runs authenticate", async () => {
    const { port } = await h.server(authContract, {
      reflection: true,
      authenticate: ({ token }, info) => {
        if (info.reflection && token !== "ops") throw new AppError("FORBIDDEN", "operators only");
      },
    });
    await expect(describeServer({ port })).rejects.toMatchObject({
      code: ErrorCode.HANDSHAKE_REJECTED,
      remoteCode: WireCode.UNAUTHORIZED,
    });
    await expect(describeServer({ port, credentials: { token: "ada" } })).rejects.toMatchObject({
      remoteCode: "FORBIDDEN",
    });
    const form = await describeServer({ port, credentials: async () => ({ token: "ops" }) });
    expect(form.name).toBe(authContract.name);
  });

  test("an expected contract name must be the server's", async () => {
    const { port } = await h.server(testContract, { reflection: true });
    await expect(describeServer({ port, contract: "other" })).rejects.toMatchObject({
      code: ErrorCode.CONTRACT_MISMATCH,
    });
    await expect(describeServer({ port, contract: testContract.name })).resolves.toMatchObject({
      name: testContract.name,
    });
  });

  test("over TLS", async () => {
    const { key, cert } = makeCertificate();
    const { port } = await h.server(testContract, { reflection: true, tls: { key, cert } });
    const form = await describeServer({ port, tls: { ca: cert, servername: "localhost" } });
    expect(form.name).toBe(testContract.name);
    await expect(describeServer({ port, connectTimeoutMs: 2000 })).rejects.toMatchObject({
      code: ErrorCode.TLS_MISMATCH,
    });
  });

  test("nothing listening: ERR_CONNECT_FAILED; a silent server: ERR_CONNECT_TIMEOUT", async () => {
    const closed = createNetServer();
    await new Promise<void>((resolve) => closed.listen(0, "127.0.0.1", () => resolve()));
    const free = (closed.address() as { port: number }).port;
    await new Promise<void>((resolve) => closed.close(() => resolve()));
    await expect(describeServer({ port: free })).rejects.toMatchObject({
      code: ErrorCode.CONNECT_FAILED,
    });
    const silent = await h.raw(() => {});
    await expect(describeServer({ port: silent, connectTimeoutMs: 200 })).rejects.toMatchObject({
      code: ErrorCode.CONNECT_TIMEOUT,
    });
  });

  test("a server that welcomes a reflecting hello, or sends a bad form, fails the attempt", async () => {
    const welcoming = await h.raw((socket) =>
      readFrames(socket, () => socket.write(controlFrame(Kind.WELCOME, {}))),
    );
    await expect(describeServer({ port: welcoming })).rejects.toMatchObject({
      code: ErrorCode.CONNECT_FAILED,
    });
    const bad = await h.raw((socket) =>
      readFrames(socket, () => {
        socket.end(controlFrame(Kind.CONTRACT, { form: { form: 1, name: "x" } }));
      }),
    );
    await expect(describeServer({ port: bad })).rejects.toMatchObject({
      code: ErrorCode.CONNECT_FAILED,
      cause: expect.objectContaining({ code: ErrorCode.FRAME_MALFORMED }),
    });
  });

  test("bad options throw before connecting; an aborted signal rejects", async () => {
    await expect(describeServer({ port: 0 })).rejects.toMatchObject({
      code: ErrorCode.INVALID_ARGUMENT,
    });
    await expect(describeServer({ port: 1, contract: "no spaces" })).rejects.toMatchObject({
      code: ErrorCode.INVALID_ARGUMENT,
    });
    const silent = await h.raw(() => {});
    const controller = new AbortController();
    const pending = describeServer({ port: silent, signal: controller.signal });
    controller.abort();
    await expect(pending).rejects.toMatchObject({ code: ErrorCode.CONNECTION_CLOSED });
  });
});
