import { once } from "node:events";
import { createRequire } from "node:module";
import { type RawData, WebSocket, WebSocketServer } from "ws";
import type { ChatPayload, WireMessage } from "../message.js";
import {
  type BenchClient,
  BenchProtocolError,
  type BenchServer,
  type ConnectOptions,
  type Contender,
  HIGH_WATER_BYTES,
} from "./types.js";
import { drained, socketOf } from "./wait.js";

const version = (createRequire(import.meta.url)("ws/package.json") as { version: string }).version;

/** Heartbeat of the ws README's recipe: ping every 25 s, drop a peer that missed the last one. */
const HEARTBEAT_MS = 25_000;

function parse(data: RawData): WireMessage {
  const message = JSON.parse(data.toString()) as WireMessage;
  if (message?.type !== "chat" || typeof message.payload !== "object")
    throw new BenchProtocolError("unexpected message");
  return message;
}

async function startServer(): Promise<BenchServer> {
  const wss = new WebSocketServer({
    host: "127.0.0.1",
    port: 0,
    backlog: 4096,
    clientTracking: true,
  });
  await once(wss, "listening");
  let chatHandler: (payload: ChatPayload) => void = () => {};
  const alive = new WeakSet<WebSocket>();
  wss.on("connection", (ws) => {
    alive.add(ws);
    ws.on("pong", () => alive.add(ws));
    ws.on("error", () => ws.terminate());
    ws.on("message", (data) => {
      const message = parse(data);
      if (message.id === undefined) return chatHandler(message.payload);
      ws.send(
        JSON.stringify({
          id: message.id,
          type: "chat",
          payload: message.payload,
        } satisfies WireMessage),
      );
    });
  });
  const heartbeat = setInterval(() => {
    for (const ws of wss.clients) {
      if (!alive.has(ws)) {
        ws.terminate();
        continue;
      }
      alive.delete(ws);
      ws.ping();
    }
  }, HEARTBEAT_MS);
  const over = () => [...wss.clients].filter((ws) => ws.bufferedAmount >= HIGH_WATER_BYTES);
  return {
    address: { port: (wss.address() as { port: number }).port },
    onChat(handler) {
      chatHandler = handler;
    },
    clientCount: () => wss.clients.size,
    broadcast(payload) {
      // Encode once; ws frames the same bytes for every client.
      const data = Buffer.from(JSON.stringify({ type: "chat", payload } satisfies WireMessage));
      for (const ws of wss.clients)
        if (ws.readyState === WebSocket.OPEN) ws.send(data, { binary: false });
    },
    hasRoom: () => over().length === 0,
    async waitForRoom() {
      for (const ws of over()) await drained(socketOf(ws));
    },
    async close() {
      clearInterval(heartbeat);
      for (const ws of wss.clients) ws.terminate();
      await new Promise<void>((done) => wss.close(() => done()));
    },
  };
}

async function connect(
  address: { port: number },
  options: ConnectOptions = {},
): Promise<BenchClient> {
  const ws = new WebSocket(`ws://127.0.0.1:${address.port}`, { perMessageDeflate: false });
  const waiting = new Map<number, (payload: ChatPayload) => void>();
  let nextId = 1;
  const chatHandler: (payload: ChatPayload) => void = options.onChat ?? (() => {});
  // Listening before the open: a message right behind the upgrade response is emitted at once.
  ws.on("message", (data) => {
    const message = parse(data);
    if (message.id === undefined) return chatHandler(message.payload);
    const settle = waiting.get(message.id);
    waiting.delete(message.id);
    settle?.(message.payload);
  });
  await once(ws, "open");
  socketOf(ws)?.setNoDelay(true);
  ws.on("error", () => {});
  return {
    send(payload) {
      ws.send(JSON.stringify({ type: "chat", payload } satisfies WireMessage));
    },
    hasRoom: () => ws.bufferedAmount < HIGH_WATER_BYTES,
    waitForRoom: () => drained(socketOf(ws)),
    request(payload) {
      const id = nextId++;
      return new Promise<ChatPayload>((resolve) => {
        waiting.set(id, resolve);
        ws.send(JSON.stringify({ id, type: "chat", payload } satisfies WireMessage));
      });
    },
    async close() {
      if (ws.readyState === WebSocket.CLOSED) return;
      const closed = once(ws, "close");
      ws.close();
      await closed;
    },
  };
}

/** ws: the de-facto WebSocket library; text frames of JSON, the ws README heartbeat. */
export const contender: Contender = {
  name: "ws",
  label: `ws ${version}`,
  startServer,
  connect,
};
