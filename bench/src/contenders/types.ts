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
  "grpc",
] as const;
export type ContenderName = (typeof CONTENDER_NAMES)[number];

/**
 * Contenders that take part in the streaming scenario only: gRPC is here for its server
 * streaming, the model sockwire's streams are measured against.
 */
export const STREAMING_ONLY: readonly ContenderName[] = ["grpc"];

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
  /**
   * Streaming: asks the server for `count` chat messages as one stream (the library's own, with
   * its flow control) and reads them all; resolves with how many arrived, in order, or throws.
   * Absent for libraries without streams.
   */
  streamItems?(count: number): Promise<number>;
  /**
   * The same count pushed by the server as plain one-way events (no stream, no credit), for the
   * libraries that stream too: what a stream costs over events.
   */
  pushedItems?(count: number): Promise<number>;
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
