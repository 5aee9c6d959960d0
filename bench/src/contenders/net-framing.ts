import { once } from "node:events";
import net from "node:net";
import {
  type ChatPayload,
  chatMessageSchema,
  chatRequestSchema,
  type WireMessage,
} from "../message.js";
import { encodeJsonFrame, JsonFrameReader } from "./length-prefix.js";
import {
  type BenchClient,
  BenchProtocolError,
  type BenchServer,
  type ConnectOptions,
  type Contender,
  type ContenderName,
  HIGH_WATER_BYTES,
  type ServerAddress,
} from "./types.js";

/**
 * Checks a received body. Without zod, the hand-rolled contender does what such code usually
 * does: trusts the shape after a glance at `type`. With zod it validates the whole message, as a
 * careful user would on both ends.
 */
type Check = (value: unknown, isRequest: boolean) => WireMessage;

const glance: Check = (value) => {
  const message = value as WireMessage;
  if (message?.type !== "chat" || typeof message.payload !== "object") {
    throw new BenchProtocolError("unexpected message");
  }
  return message;
};

const zodCheck: Check = (value, isRequest) =>
  isRequest ? chatRequestSchema.parse(value) : chatMessageSchema.parse(value);

/** Validation before sending, for the zod variant (sockwire validates outbound by default too). */
function outboundCheck(validate: boolean, message: WireMessage): void {
  if (!validate) return;
  if (message.id === undefined) chatMessageSchema.parse(message);
  else chatRequestSchema.parse(message);
}

async function waitDrained(sockets: Iterable<net.Socket>): Promise<void> {
  for (const socket of sockets) {
    if (socket.writableLength >= HIGH_WATER_BYTES && !socket.destroyed) {
      await Promise.race([once(socket, "drain"), once(socket, "close")]);
    }
  }
}

function startServer(validate: boolean): Promise<BenchServer> {
  const check = validate ? zodCheck : glance;
  const sockets = new Set<net.Socket>();
  let chatHandler: (payload: ChatPayload) => void = () => {};
  const server = net.createServer({ noDelay: true }, (socket) => {
    sockets.add(socket);
    socket.on("close", () => sockets.delete(socket));
    socket.on("error", () => socket.destroy());
    const reader = new JsonFrameReader((value) => {
      const raw = value as WireMessage;
      const isRequest = typeof raw?.id === "number";
      const message = check(value, isRequest);
      if (!isRequest) {
        chatHandler(message.payload);
        return;
      }
      const reply: WireMessage = {
        id: message.id as number,
        type: "chat",
        payload: message.payload,
      };
      outboundCheck(validate, reply);
      socket.write(encodeJsonFrame(reply));
    });
    socket.on("data", (chunk: Buffer) => {
      try {
        reader.push(chunk);
      } catch {
        socket.destroy();
      }
    });
  });
  return new Promise((resolve, reject) => {
    server.once("error", reject);
    server.listen({ host: "127.0.0.1", port: 0, backlog: 4096 }, () => {
      const address: ServerAddress = { port: (server.address() as net.AddressInfo).port };
      resolve({
        address,
        onChat(handler) {
          chatHandler = handler;
        },
        clientCount: () => sockets.size,
        broadcast(payload) {
          const message: WireMessage = { type: "chat", payload };
          outboundCheck(validate, message);
          const frame = encodeJsonFrame(message);
          for (const socket of sockets) socket.write(frame);
        },
        hasRoom() {
          for (const socket of sockets) if (socket.writableLength >= HIGH_WATER_BYTES) return false;
          return true;
        },
        waitForRoom: () => waitDrained(sockets),
        close() {
          for (const socket of sockets) socket.destroy();
          return new Promise<void>((done) => server.close(() => done()));
        },
      });
    });
  });
}

async function connect(
  address: ServerAddress,
  validate: boolean,
  options: ConnectOptions = {},
): Promise<BenchClient> {
  const check = validate ? zodCheck : glance;
  const socket = net.connect({ host: "127.0.0.1", port: address.port, noDelay: true });
  await once(socket, "connect");
  const waiting = new Map<number, (payload: ChatPayload) => void>();
  let nextId = 1;
  const chatHandler: (payload: ChatPayload) => void = options.onChat ?? (() => {});
  const reader = new JsonFrameReader((value) => {
    const raw = value as WireMessage;
    const isReply = typeof raw?.id === "number";
    const message = check(value, isReply);
    if (!isReply) return chatHandler(message.payload);
    const settle = waiting.get(message.id as number);
    waiting.delete(message.id as number);
    settle?.(message.payload);
  });
  socket.on("data", (chunk: Buffer) => reader.push(chunk));
  socket.on("error", () => {});
  return {
    send(payload) {
      const message: WireMessage = { type: "chat", payload };
      outboundCheck(validate, message);
      socket.write(encodeJsonFrame(message));
    },
    hasRoom: () => socket.writableLength < HIGH_WATER_BYTES,
    waitForRoom: () => waitDrained([socket]),
    request(payload) {
      const id = nextId++;
      const message: WireMessage = { id, type: "chat", payload };
      outboundCheck(validate, message);
      return new Promise<ChatPayload>((resolve) => {
        waiting.set(id, resolve);
        socket.write(encodeJsonFrame(message));
      });
    },
    close() {
      socket.end();
      return new Promise<void>((done) => {
        if (socket.closed) done();
        else socket.once("close", () => done());
      });
    },
  };
}

/** Builds the hand-rolled `node:net` contender, with or without zod validation. */
export function netContender(name: ContenderName, label: string, validate: boolean): Contender {
  return {
    name,
    label,
    startServer: () => startServer(validate),
    connect: (address, options) => connect(address, validate, options),
  };
}
