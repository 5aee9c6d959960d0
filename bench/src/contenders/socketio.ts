import { once } from "node:events";
import { createServer } from "node:http";
import { createRequire } from "node:module";
import type { AddressInfo } from "node:net";
import { Server, type Socket as ServerSocket } from "socket.io";
import { type Socket as ClientSocket, io } from "socket.io-client";
import type { ChatPayload } from "../message.js";
import {
  type BenchClient,
  BenchProtocolError,
  type BenchServer,
  type ConnectOptions,
  type Contender,
  HIGH_WATER_BYTES,
} from "./types.js";
import { socketOf, until } from "./wait.js";

const version = (createRequire(import.meta.url)("socket.io/package.json") as { version: string })
  .version;

/** Rough size of one queued packet, to turn engine.io's packet queue into bytes. */
const PACKET_BYTES = 80;

function check(payload: unknown): ChatPayload {
  if (typeof payload !== "object" || payload === null)
    throw new BenchProtocolError("unexpected message");
  return payload as ChatPayload;
}

/**
 * Bytes a socket.io connection holds for sending: engine.io's packet queue (which it keeps while
 * the transport is busy) plus what the underlying ws socket buffers. socket.io has no public
 * backpressure API, so this reads the engine's fields.
 */
interface EngineLike {
  writeBuffer?: unknown[];
  transport?: { socket?: { bufferedAmount?: number }; ws?: { bufferedAmount?: number } };
}
function queuedBytes(engine: EngineLike | undefined): number {
  const transport = engine?.transport;
  const ws = transport?.socket ?? transport?.ws;
  return (engine?.writeBuffer?.length ?? 0) * PACKET_BYTES + (ws?.bufferedAmount ?? 0);
}

async function startServer(): Promise<BenchServer> {
  const http = createServer();
  const server = new Server(http, {
    transports: ["websocket"],
    serveClient: false,
    perMessageDeflate: false,
  });
  let chatHandler: (payload: ChatPayload) => void = () => {};
  server.on("connection", (socket: ServerSocket) => {
    socketOf((socket.conn as unknown as EngineLike).transport?.socket)?.setNoDelay(true);
    socket.on("chat", (payload: unknown) => chatHandler(check(payload)));
    socket.on("echo", (payload: unknown, ack: (reply: ChatPayload) => void) => ack(check(payload)));
  });
  http.listen({ host: "127.0.0.1", port: 0, backlog: 4096 });
  await once(http, "listening");
  const hasRoom = () => {
    for (const socket of server.of("/").sockets.values()) {
      if (queuedBytes(socket.conn as unknown as EngineLike) >= HIGH_WATER_BYTES) return false;
    }
    return true;
  };
  return {
    address: { port: (http.address() as AddressInfo).port },
    onChat(handler) {
      chatHandler = handler;
    },
    clientCount: () => server.of("/").sockets.size,
    broadcast(payload) {
      server.emit("chat", payload);
    },
    hasRoom,
    waitForRoom: () => until(hasRoom),
    async close() {
      server.disconnectSockets(true);
      await new Promise<void>((done) => server.close(() => done()));
    },
  };
}

async function connect(
  address: { port: number },
  options: ConnectOptions = {},
): Promise<BenchClient> {
  const socket: ClientSocket = io(`ws://127.0.0.1:${address.port}`, {
    transports: ["websocket"],
    reconnection: false,
  });
  const chatHandler: (payload: ChatPayload) => void = options.onChat ?? (() => {});
  // Listening before the connect: an event right behind it is emitted at once.
  socket.on("chat", (payload: unknown) => chatHandler(check(payload)));
  await new Promise<void>((resolve, reject) => {
    socket.once("connect", () => resolve());
    socket.once("connect_error", reject);
  });
  const engine = socket.io.engine as unknown as EngineLike;
  socketOf(engine.transport?.ws)?.setNoDelay(true);
  const hasRoom = () => queuedBytes(engine) < HIGH_WATER_BYTES;
  return {
    send(payload) {
      socket.emit("chat", payload);
    },
    hasRoom,
    waitForRoom: () => until(hasRoom),
    async request(payload) {
      return check(await socket.emitWithAck("echo", payload));
    },
    async close() {
      if (socket.disconnected) return;
      socket.disconnect();
    },
  };
}

/** socket.io over its websocket transport only (no long-polling upgrade dance). */
export const contender: Contender = {
  name: "socketio",
  label: `socket.io ${version} (websocket transport)`,
  startServer,
  connect,
};
