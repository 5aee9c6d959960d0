import { createRequire } from "node:module";
import { context, Dealer, Router, Subscriber, XPublisher } from "zeromq";
import type { ChatPayload, WireMessage } from "../message.js";
import {
  type BenchClient,
  BenchProtocolError,
  type BenchServer,
  type ConnectOptions,
  type Contender,
  type ServerAddress,
} from "./types.js";

const version = (createRequire(import.meta.url)("zeromq/package.json") as { version: string })
  .version;

/** Control bodies of the connect handshake the benchmark adds (zeromq connects lazily and silently). */
const HELLO = "hello";
const WELCOME = "welcome";
const BYE = "bye";
/** Queue limits in messages: deep enough that a burst never drops (PUB drops at its mark). */
const HWM = 100_000;
// libzmq allows 1023 sockets per context by default; the idle scenario opens 5,000 (one each).
context.maxSockets = Math.min(context.maxSocketsLimit, 16_384);

function parse(body: Buffer): WireMessage {
  const message = JSON.parse(body.toString()) as WireMessage;
  if (message?.type !== "chat" || typeof message.payload !== "object")
    throw new BenchProtocolError("unexpected message");
  return message;
}

function portOf(endpoint: string | null): number {
  const port = Number(endpoint?.slice(endpoint.lastIndexOf(":") + 1));
  if (!Number.isInteger(port) || port <= 0) throw new Error(`cannot read a port from ${endpoint}`);
  return port;
}

async function startServer(): Promise<BenchServer> {
  const router = new Router({ sendHighWaterMark: HWM, receiveHighWaterMark: HWM });
  // Verbose: XPUB otherwise forwards only the first subscription to a topic, and we count them all.
  const publisher = new XPublisher({ sendHighWaterMark: HWM, verbosity: "allSubsUnsubs" });
  await router.bind("tcp://127.0.0.1:*");
  await publisher.bind("tcp://127.0.0.1:*");
  let chatHandler: (payload: ChatPayload) => void = () => {};
  let dealers = 0;
  let subscribers = 0;
  let lastSend: Promise<void> = Promise.resolve();
  let queued = 0;
  let closed = false;
  // Router: hello/bye bookkeeping, one-way chats, and echoes for requests.
  void (async () => {
    for await (const [identity, body] of router) {
      if (!identity || !body) continue;
      if (body.length === HELLO.length && body.toString() === HELLO) {
        dealers++;
        await router.send([identity, WELCOME]);
        continue;
      }
      if (body.length === BYE.length && body.toString() === BYE) {
        dealers--;
        continue;
      }
      const message = parse(body);
      if (message.id === undefined) chatHandler(message.payload);
      else
        await router.send([
          identity,
          JSON.stringify({ id: message.id, type: "chat", payload: message.payload }),
        ]);
    }
  })().catch((error: unknown) => {
    if (!closed) throw error;
  });
  // XPUB hands us the subscriptions: 1 = subscribe, 0 = unsubscribe.
  void (async () => {
    for await (const [event] of publisher) {
      if (event?.[0] === 1) subscribers++;
      else if (event?.[0] === 0) subscribers--;
    }
  })().catch((error: unknown) => {
    if (!closed) throw error;
  });
  return {
    address: { port: portOf(router.lastEndpoint), extraPorts: [portOf(publisher.lastEndpoint)] },
    onChat(handler) {
      chatHandler = handler;
    },
    clientCount: () => (subscribers > 0 ? Math.min(dealers, subscribers) : dealers),
    broadcast(payload) {
      // One send may be in progress at a time (see the dealer below): chain them.
      const body = JSON.stringify({ type: "chat", payload } satisfies WireMessage);
      queued++;
      lastSend = lastSend
        .then(() => publisher.send(body))
        .finally(() => {
          queued--;
        });
      lastSend.catch(() => {});
    },
    hasRoom: () => queued < 1000,
    waitForRoom: () => lastSend,
    async close() {
      closed = true;
      router.close();
      publisher.close();
    },
  };
}

async function connect(address: ServerAddress, options: ConnectOptions = {}): Promise<BenchClient> {
  const dealer = new Dealer({ sendHighWaterMark: HWM, receiveHighWaterMark: HWM, linger: 1000 });
  dealer.connect(`tcp://127.0.0.1:${address.port}`);
  await dealer.send(HELLO);
  const [welcome] = await dealer.receive();
  if (welcome?.toString() !== WELCOME) throw new BenchProtocolError("no welcome");
  let subscriber: Subscriber | undefined;
  const chatHandler: (payload: ChatPayload) => void = options.onChat ?? (() => {});
  if (options.broadcasts) {
    const sub = new Subscriber({ receiveHighWaterMark: HWM });
    subscriber = sub;
    sub.connect(`tcp://127.0.0.1:${address.extraPorts?.[0]}`);
    sub.subscribe();
    void (async () => {
      for await (const [body] of sub) if (body) chatHandler(parse(body).payload);
    })().catch(() => {});
  }
  const waiting = new Map<number, (payload: ChatPayload) => void>();
  let nextId = 1;
  // zeromq.js allows one blocking send at a time and cannot say synchronously whether a send
  // blocked, so sends are chained; `queued` counts those not yet accepted by the socket.
  let lastSend: Promise<void> = Promise.resolve();
  let queued = 0;
  const enqueue = (body: string): Promise<void> => {
    queued++;
    lastSend = lastSend
      .then(() => dealer.send(body))
      .finally(() => {
        queued--;
      });
    return lastSend;
  };
  let receiving = false;
  const receiveReplies = (): void => {
    if (receiving) return;
    receiving = true;
    void (async () => {
      for await (const [body] of dealer) {
        if (!body) continue;
        const message = parse(body);
        const settle = waiting.get(message.id as number);
        waiting.delete(message.id as number);
        settle?.(message.payload);
      }
    })().catch(() => {});
  };
  return {
    send(payload) {
      enqueue(JSON.stringify({ type: "chat", payload } satisfies WireMessage)).catch(() => {});
    },
    hasRoom: () => queued < 1000,
    waitForRoom: () => lastSend,
    request(payload) {
      receiveReplies();
      const id = nextId++;
      return new Promise<ChatPayload>((resolve, reject) => {
        waiting.set(id, resolve);
        enqueue(JSON.stringify({ id, type: "chat", payload } satisfies WireMessage)).catch(reject);
      });
    },
    async close() {
      await lastSend.catch(() => {});
      await dealer.send(BYE).catch(() => {});
      subscriber?.close();
      dealer.close();
    },
  };
}

/** zeromq.js: DEALER/ROUTER for messages and requests, XPUB/SUB for broadcasts. */
export const contender: Contender = {
  name: "zeromq",
  label: `zeromq.js ${version}`,
  startServer,
  connect,
};
