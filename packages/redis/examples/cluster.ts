import { type ChildProcess, fork, spawn, spawnSync } from "node:child_process";
import net from "node:net";
import { tmpdir } from "node:os";
import { fileURLToPath } from "node:url";
import { connect, type SockwireClient } from "@sockwire/client";
import { chat } from "./contract.js";

// The cluster demo: a Redis, three chat-node processes (A, B, C) and four clients spread over
// them. A message said on A reaches the clients of B and C through Redis; a whisper reaches one
// client by id wherever it is. Uses REDIS_URL if set, else starts a throwaway redis-server.
const children: ChildProcess[] = [];
const clients: Array<SockwireClient<typeof chat>> = [];

async function main(): Promise<void> {
  const url = process.env.REDIS_URL || (await startRedis());
  console.log(`redis at ${url}`);
  const ports = await Promise.all(["A", "B", "C"].map((name) => startNode(name, url)));

  const users = [
    ["ada", 0],
    ["bob", 1],
    ["cy", 2],
    ["dee", 2],
  ] as const;
  const inbox = new Map<string, string[]>();
  const ids = new Map<string, string>();
  for (const [user, node] of users) {
    const client = await connect(chat, { port: ports[node] as number, credentials: { user } });
    clients.push(client);
    inbox.set(user, []);
    client.on("said", ({ user: from, via, room, text }) => {
      inbox.get(user)?.push(`${room} ${from}@${via}: ${text}`);
    });
    const { id, members } = await client.request("join", { room: "lobby" });
    ids.set(user, id);
    console.log(
      `${user} joined lobby on ${"ABC"[node]} as ${id}: ${members} member(s) cluster-wide`,
    );
  }

  await clients[0]?.emit("say", { room: "lobby", text: "hello from A" });
  await clients[1]?.emit("whisper", { to: ids.get("dee") as string, text: "psst, dee" });
  await waitFor(
    () => [...inbox.values()].every((lines) => lines.length >= 1) && inbox.get("dee")?.length === 2,
  );
  for (const [user, node] of users) {
    for (const line of inbox.get(user) ?? [])
      console.log(`${user} (on ${"ABC"[node]}) got: ${line}`);
  }
}

/** Starts a chat node process and resolves with its port once its Redis link is ready. */
function startNode(name: string, url: string): Promise<number> {
  const file = fileURLToPath(new URL("./chat-node.ts", import.meta.url));
  // fork() passes this process's execArgv (tsx's loader, the source condition) to the child.
  const child = fork(file, [], { env: { ...process.env, NAME: name, REDIS_URL: url, PORT: "0" } });
  children.push(child);
  return new Promise((resolve, reject) => {
    let port: number | undefined;
    let ready = false;
    child.on("message", (m: { port?: number; ready?: boolean }) => {
      port ??= m.port;
      ready ||= m.ready === true;
      if (port !== undefined && ready) resolve(port);
    });
    child.once("exit", (code) => reject(new Error(`node ${name} exited (${code})`)));
    setTimeout(() => reject(new Error(`node ${name} not ready after 20 s`)), 20_000).unref();
  });
}

/** A redis-server on a free loopback port, without persistence; killed at the end. */
async function startRedis(): Promise<string> {
  if (spawnSync("redis-server", ["--version"], { stdio: "ignore" }).status !== 0) {
    throw new Error(
      "redis-server not found: install it (apt-get install redis-server) or set REDIS_URL",
    );
  }
  const port = await new Promise<number>((resolve) => {
    const probe = net.createServer().listen(0, "127.0.0.1", () => {
      const { port } = probe.address() as net.AddressInfo;
      probe.close(() => resolve(port));
    });
  });
  const args = ["--port", String(port), "--bind", "127.0.0.1", "--save", "", "--appendonly", "no"];
  const redis = spawn("redis-server", [...args, "--dir", tmpdir()], { stdio: "ignore" });
  children.push(redis);
  await waitFor(
    () =>
      new Promise<boolean>((resolve) => {
        const socket = net.connect(port, "127.0.0.1", () => socket.end(() => resolve(true)));
        socket.once("error", () => resolve(false));
      }),
  );
  return `redis://127.0.0.1:${port}`;
}

/** Polls `condition` every 20 ms, for at most 10 s. */
async function waitFor(condition: () => boolean | Promise<boolean>): Promise<void> {
  for (let i = 0; i < 500; i++) {
    if (await condition()) return;
    await new Promise((resolve) => setTimeout(resolve, 20));
  }
  throw new Error("timed out");
}

/** Clients first, then the nodes (graceful), then Redis. */
async function shutdown(): Promise<void> {
  await Promise.allSettled(clients.map((client) => client.close({ timeoutMs: 2000 })));
  const nodes = children.filter((child) => child.connected);
  await Promise.all(
    nodes.map((child) => {
      const exited = new Promise((resolve) => child.once("exit", resolve));
      child.kill("SIGTERM");
      return exited;
    }),
  );
  for (const child of children) if (child.exitCode === null) child.kill("SIGKILL");
  console.log("all stopped");
}

let failed = false;
try {
  await main();
} catch (error) {
  failed = true;
  console.error(`cluster demo failed: ${error instanceof Error ? error.message : String(error)}`);
} finally {
  await shutdown();
}
process.exitCode = failed ? 1 : 0;
