import { type AnyContract, ErrorCode, FRAME_PREFIX_BYTES, SockwireError } from "@sockwire/protocol";
import {
  type Deferred,
  deferred,
  messageCodecFor,
  rejected,
  type Session,
} from "@sockwire/protocol/internal";
import type { ConnectionManager } from "./connection-manager.js";
import { closedError, notConnected } from "./errors.js";
import { OfflineQueue } from "./offline-queue.js";
import type { ResolvedOptions } from "./options.js";
import { type Outgoing, QueuedEvent, type QueuedRequest } from "./outgoing.js";
import { rejoining } from "./rejoining.js";
import {
  checkEmitOptions,
  checkRequestOptions,
  type EmitOptions,
  encodeQueuedRequest,
  type RequestOptions,
} from "./send-options.js";

/**
 * Decides where each outgoing message goes: straight to the open session, into the bounded
 * offline queue (and out again, in order, after a reconnect), dropped, or refused with a coded
 * error. It also owns the producer side of backpressure (`bufferedAmount`, `waitForRoom`).
 *
 * Order rule: while anything is queued, new messages queue behind it even when the connection is
 * open, so a reconnect never lets a fresh message overtake older ones.
 */
export class Outbox {
  readonly queue: OfflineQueue<Outgoing>;
  /** Events discarded under `offline: "drop"`. */
  dropped = 0;
  private roomWaiters: Deferred<void>[] = [];
  private watchingRoom = false;
  private flushWaiting = false;

  constructor(
    private readonly contract: AnyContract,
    private readonly options: ResolvedOptions,
    private readonly manager: ConnectionManager,
  ) {
    this.queue = new OfflineQueue(options.offlineQueue);
  }

  /** Offline queue bytes plus the open session's unsent bytes. */
  get bufferedAmount(): number {
    return this.queue.bytes + (this.manager.session?.bufferedAmount ?? 0);
  }

  emit(name: string, data: unknown, options: EmitOptions): Promise<void> {
    const refusal = this.refuseInState();
    if (refusal) return rejected(refusal);
    try {
      checkEmitOptions(options);
    } catch (error) {
      return rejected(error);
    }
    const session = this.manager.session;
    // The open session validates and encodes with the same contract, codec and settings, straight
    // into the outgoing batch.
    if (session && this.direct) return session.emit(name, data);
    let frame: Buffer;
    try {
      const { contract, options: o } = this;
      const messages = messageCodecFor(contract, "client", o.codec, o.validateOutbound);
      frame = messages.eventBuffer(name, data);
    } catch (error) {
      return rejected(error);
    }
    if (!session) {
      const policy = options.offline ?? (this.manager.willReconnect ? "queue" : "fail");
      if (policy === "fail") return rejected(notConnected(this.manager.state));
      if (policy === "drop") {
        this.dropped++;
        return Promise.resolve();
      }
    }
    const item = new QueuedEvent(frame, name, () => this.checkRoom());
    return this.enqueue(item, options.expireAfterMs) as Promise<void>;
  }

  request(name: string, input: unknown, options: RequestOptions): Promise<unknown> {
    const refusal = this.refuseInState();
    if (refusal) return rejected(refusal);
    try {
      checkRequestOptions(options);
    } catch (error) {
      return rejected(error);
    }
    const timeoutMs = options.timeoutMs ?? this.options.requestTimeoutMs;
    const session = this.manager.session;
    const idempotent = options.idempotent === true;
    if (session && this.direct && !idempotent) {
      return session.request(name, input, { timeoutMs, signal: options.signal });
    }
    // A request not written yet can wait for the connection as an event does; `idempotent` only
    // says it may be written twice (again after a loss), which also makes waiting safe.
    const policy = options.offline ?? (idempotent || this.manager.willReconnect ? "queue" : "fail");
    if (!session && policy === "fail") return rejected(notConnected(this.manager.state));
    let item: QueuedRequest;
    try {
      const hooks = {
        remove: () => this.queue.remove(item),
        leave: () => this.checkRoom(),
        requeue: (lost: QueuedRequest) => this.requeue(lost),
      };
      item = encodeQueuedRequest(
        this.contract,
        this.options,
        name,
        input,
        timeoutMs,
        options,
        hooks,
      );
    } catch (error) {
      return rejected(error);
    }
    if (session && this.direct) {
      item.send(session);
      return item.promise;
    }
    return this.enqueue(item, timeoutMs > 0 ? timeoutMs : undefined);
  }

  waitForRoom(): Promise<void> {
    const refusal = this.refuseInState();
    if (refusal && refusal.code === ErrorCode.CONNECTION_CLOSED) return rejected(refusal);
    if (this.hasRoom) return Promise.resolve();
    const waiter = deferred<void>(true);
    this.roomWaiters.push(waiter);
    this.checkRoom();
    return waiter.promise;
  }

  /** Hands queued messages to `session` in order; without `force`, pauses above the soft mark. */
  flush(session: Session, force: boolean): void {
    for (let item = this.queue.shift(); item; item = this.queue.shift()) {
      item.send(session);
      if (!force && !session.hasRoom && this.queue.size > 0) {
        this.resumeFlushOnRoom(session);
        break;
      }
    }
    this.checkRoom();
  }

  /** The client is closed: fail what is queued and whoever waits for room. */
  close(error: SockwireError | undefined): void {
    // Errors are built only when someone will receive them: each one captures a stack, and
    // building two per closed client was a visible share of closing thousands of them.
    if (this.queue.size > 0) {
      this.queue.failAll(
        error ?? closedError("the client was closed before the message could be sent"),
      );
    }
    if (this.roomWaiters.length > 0) {
      const failure = error ?? closedError("the client was closed");
      for (const waiter of this.roomWaiters.splice(0)) waiter.reject(failure);
    }
  }

  /**
   * Whether a send may go straight to the open session: when nothing is queued (nothing may
   * overtake what is), except while `onResumeFailed` listeners run after a reconnect to a new
   * session: then only their own sends (re-joining rooms, re-subscribing) go out, and every
   * other send queues until they are done.
   */
  private get direct(): boolean {
    if (this.manager.holdingQueue) return rejoining.getStore() === true;
    return this.queue.size === 0;
  }

  private get hasRoom(): boolean {
    return this.bufferedAmount < this.options.sendSoftBytes;
  }

  private refuseInState(): SockwireError | undefined {
    const state = this.manager.state;
    if (state === "closing" || state === "closed") return closedError(`the client is ${state}`);
    if (state === "idle") return notConnected(state);
    return undefined;
  }

  /** An idempotent request lost with its connection waits for the next one, if one will come. */
  private requeue(item: QueuedRequest): boolean {
    const state = this.manager.state;
    if (state === "closing" || state === "closed" || !this.manager.willReconnect) return false;
    const remaining = item.remainingMs;
    return this.queue.offer(item, Number.isFinite(remaining) ? remaining : undefined) === undefined;
  }

  private enqueue(item: Outgoing, expireAfterMs: number | undefined): Promise<unknown> {
    const limit = this.manager.welcome?.maxFrameBytes;
    const bytes = item.bytes - FRAME_PREFIX_BYTES;
    if (limit !== undefined && bytes > limit) {
      const message = `message of ${bytes} bytes exceeds the server's receive limit of ${limit} bytes`;
      return rejected(
        new SockwireError(ErrorCode.PEER_FRAME_LIMIT, message, { details: { bytes, limit } }),
      );
    }
    const refusal = this.queue.offer(item, expireAfterMs);
    if (refusal) item.fail(refusal);
    return item.promise;
  }

  private resumeFlushOnRoom(session: Session): void {
    if (this.flushWaiting) return;
    this.flushWaiting = true;
    session.waitForRoom().then(
      () => {
        this.flushWaiting = false;
        if (this.manager.session === session) this.flush(session, false);
      },
      () => {
        this.flushWaiting = false;
      },
    );
  }

  private checkRoom(): void {
    if (this.roomWaiters.length === 0) return;
    if (this.hasRoom) {
      for (const waiter of this.roomWaiters.splice(0)) waiter.resolve();
      return;
    }
    const session = this.manager.session;
    if (!session || session.hasRoom || this.watchingRoom) return;
    this.watchingRoom = true;
    session.waitForRoom().then(
      () => {
        this.watchingRoom = false;
        this.checkRoom();
      },
      () => {
        this.watchingRoom = false;
      },
    );
  }
}
