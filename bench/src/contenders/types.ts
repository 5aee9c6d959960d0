import type { ChatPayload } from "../message.js";

/** Names of the contenders, in the order the report lists them. */
export const CONTENDER_NAMES = [
  "sockwire",
  "sockwire-noresume",
  "net-raw",
  "net-zod",
  "ws",
  "socketio",
  "zeromq",
] as const;
export type ContenderName = (typeof CONTENDER_NAMES)[number];

/**
 * Where a client finds a server: the TCP port, plus anything else a contender needs (zeromq
 * binds a second port for publish/subscribe). It crosses process boundaries, so it is plain JSON.
 */
export interface ServerAddress {
  port: number;
  extraPorts?: number[];
}

/** Outbound queue size above which producers wait: the same 1 MiB mark for every contender. */
export const HIGH_WATER_BYTES = 1024 * 1024;

/**
 * The server side of a contender. One instance lives in the server process for a whole scenario.
 * Requests are answered by echoing the payload back; that part needs no hook.
 */
export interface BenchServer {
  readonly address: ServerAddress;
  /** Called for every one-way chat message received, after the contender's own checks. */
  onChat(handler: (payload: ChatPayload) => void): void;
  /** Connected, ready clients. */
  clientCount(): number;
  /** Sends one chat message to every connected client, with the library's own broadcast. */
  broadcast(payload: ChatPayload): void;
  /** False while any client's outbound queue is over {@link HIGH_WATER_BYTES}. */
  hasRoom(): boolean;
  /** Resolves when {@link hasRoom} is true again. */
  waitForRoom(): Promise<void>;
  close(): Promise<void>;
}

/** The client side of a contender: one connection. */
export interface BenchClient {
  /** Sends one one-way chat message. */
  send(payload: ChatPayload): void;
  /** False while the outbound queue is over the library's backpressure mark. */
  hasRoom(): boolean;
  /** Resolves when the outbound queue is back under the mark. */
  waitForRoom(): Promise<void>;
  /** Sends a request; resolves with the server's echo (validated where the contender validates). */
  request(payload: ChatPayload): Promise<ChatPayload>;
  close(): Promise<void>;
}

/** Per-connection options. */
export interface ConnectOptions {
  /** The connection will receive broadcasts (zeromq opens its subscriber socket for it). */
  broadcasts?: boolean;
  /**
   * Receives the chat messages the server pushes (fan-out), from the moment the connection is
   * ready. Given to `connect()`, not set once it resolves: a message that arrives with the
   * handshake's last bytes is delivered before `connect()`'s caller runs again.
   */
  onChat?: (payload: ChatPayload) => void;
}

/** One library under test, as both processes load it. */
export interface Contender {
  readonly name: ContenderName;
  /** Human label for tables: library and version. */
  readonly label: string;
  startServer(): Promise<BenchServer>;
  connect(address: ServerAddress, options?: ConnectOptions): Promise<BenchClient>;
}

/** Thrown by a contender when a received message breaks the expected shape. */
export class BenchProtocolError extends Error {
  override readonly name = "BenchProtocolError";
}
