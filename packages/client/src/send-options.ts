import { type AnyContract, ErrorCode, SockwireError } from "@sockwire/protocol";
import { messageCodecFor } from "@sockwire/protocol/internal";
import type { ResolvedOptions } from "./options.js";
import { QueuedRequest, type RequestQueueHooks } from "./outgoing.js";

/**
 * Per-call options of `client.emit()`.
 *
 * @example
 * ```ts
 * await client.emit("position", pos, { offline: "drop" });           // stale positions are worthless
 * await client.emit("order", order, { offline: "queue", expireAfterMs: 30_000 });
 * ```
 */
export interface EmitOptions {
  /**
   * What to do while the connection is down: `"queue"` holds the event in the bounded offline
   * queue and sends it after reconnecting; `"drop"` discards it (the promise resolves); `"fail"`
   * rejects with `ERR_NOT_CONNECTED`. Default `"queue"` once the client has been open and
   * reconnect is on, else `"fail"`.
   */
  offline?: "queue" | "drop" | "fail" | undefined;
  /** A queued event not sent within this many ms is removed and rejects with `ERR_MESSAGE_EXPIRED`. Default: no expiry. */
  expireAfterMs?: number | undefined;
}

/**
 * Per-call options of `client.request()`.
 *
 * @example
 * ```ts
 * const signal = AbortSignal.timeout(2000);
 * const profile = await client.request("profile", { id }, { timeoutMs: 5000, signal, idempotent: true });
 * ```
 */
export interface RequestOptions {
  /** Give up after this many ms with `ERR_REQUEST_TIMEOUT` (the server is sent a cancel); 0 = never. Default `requestTimeoutMs` (30 s). */
  timeoutMs?: number | undefined;
  /** Aborting it cancels the request (`ERR_REQUEST_CANCELLED`) and tells the server. */
  signal?: AbortSignal | undefined;
  /**
   * What to do with a request made while the connection is down, before it was written:
   * `"queue"` waits in the bounded offline queue (its timeout counting from the call) and sends
   * it after the (re)connect; `"fail"` rejects with `ERR_NOT_CONNECTED`. Default `"queue"` once
   * the client has been open and reconnect is on (or with `idempotent`), else `"fail"`, as for
   * events.
   */
  offline?: "queue" | "fail" | undefined;
  /**
   * Safe to run more than once. A request that was written and whose connection is lost before
   * the answer fails with `ERR_CONNECTION_LOST` (it may or may not have run: at most once); an
   * idempotent one instead waits for the reconnect and is sent again, within its timeout.
   * Default false.
   */
  idempotent?: boolean | undefined;
}

const MAX_TIMER_MS = 2_147_483_647;
const OFFLINE_POLICIES = new Set(["queue", "drop", "fail"]);

/** Throws `ERR_INVALID_ARGUMENT` for malformed emit options. */
export function checkEmitOptions(options: EmitOptions): void {
  if (options.offline !== undefined && !OFFLINE_POLICIES.has(options.offline)) {
    throw invalid(
      `offline must be "queue", "drop" or "fail", got ${JSON.stringify(options.offline)}`,
    );
  }
  if (options.expireAfterMs !== undefined) checkMs("expireAfterMs", options.expireAfterMs);
}

/** Throws `ERR_INVALID_ARGUMENT` for malformed request options. */
export function checkRequestOptions(options: RequestOptions): void {
  if (options.timeoutMs !== undefined) checkMs("timeoutMs", options.timeoutMs);
  if (options.offline !== undefined && options.offline !== "queue" && options.offline !== "fail") {
    throw invalid(`offline must be "queue" or "fail", got ${JSON.stringify(options.offline)}`);
  }
  if (options.signal !== undefined && !(options.signal instanceof AbortSignal))
    throw invalid("signal must be an AbortSignal");
  if (options.signal?.aborted) {
    throw new SockwireError(
      ErrorCode.REQUEST_CANCELLED,
      "the request was cancelled before it was sent",
      {
        cause: options.signal.reason,
      },
    );
  }
}

/**
 * Validates and encodes a request now (so a bad input fails at the call, not after the
 * reconnect) and wraps its frame for the offline queue.
 */
export function encodeQueuedRequest(
  contract: AnyContract,
  options: ResolvedOptions,
  name: string,
  input: unknown,
  timeoutMs: number,
  call: RequestOptions,
  hooks: RequestQueueHooks,
): QueuedRequest {
  // The frame as it will be sent, encoded once (the id and deadline are filled in then):
  // validated, and only what the schema declares, so the queue is charged what the wire carries.
  const messages = messageCodecFor(contract, "client", options.codec, options.validateOutbound);
  const frame = messages.requestBuffer(name, input, timeoutMs);
  const deadline = timeoutMs > 0 ? performance.now() + timeoutMs : Number.POSITIVE_INFINITY;
  return new QueuedRequest(
    name,
    frame,
    { deadline, timeoutMs, signal: call.signal, idempotent: call.idempotent === true },
    hooks,
  );
}

function checkMs(name: string, value: number): void {
  if (!Number.isInteger(value) || value < 0 || value > MAX_TIMER_MS) {
    throw invalid(`${name} must be an integer from 0 to ${MAX_TIMER_MS}, got ${String(value)}`);
  }
}

function invalid(message: string): SockwireError {
  return new SockwireError(ErrorCode.INVALID_ARGUMENT, message);
}
