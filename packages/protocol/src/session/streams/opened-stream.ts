import type { StreamSchema } from "../../contract/types.js";
import type { Envelope } from "../../envelope/envelope.js";
import { Kind } from "../../envelope/kinds.js";
import { payloadSize } from "../../envelope/received-envelope.js";
import { WireCode } from "../../errors/wire-codes.js";
import type { Reason } from "../../handshake/handshake.js";
import {
  readStreamPayload,
  streamEndFrame,
  streamItemFrame,
  streamOpenFrame,
} from "../../message/stream-messages.js";
import { type Deferred, deferred, noop } from "../deferred.js";
import { remoteError } from "../wire-error.js";
import { type Grant, ProducerCredit } from "./credit.js";
import { ItemQueue, type QueueOwner } from "./item-queue.js";
import {
  creditExceeded,
  streamCancelled,
  streamGoingAway,
  streamTimedOut,
} from "./stream-errors.js";
import {
  creditOf,
  itemPayloadBytes,
  reasonOf,
  streamCreditFrame,
  streamReasonFrame,
} from "./stream-frames.js";
import { ProducerSlot, type StreamHost } from "./stream-host.js";

/** Options of opening a stream. */
export interface OpenStreamOptions {
  /** Whole-stream deadline in ms (sent to the responder); 0 or absent: none. */
  timeoutMs?: number | undefined;
  /** Aborting it cancels the stream on both sides. */
  signal?: AbortSignal | undefined;
  /** The items to send (a stream with a `send` schema): sent as the responder grants credit. */
  send?: AsyncIterable<unknown> | Iterable<unknown> | undefined;
}

/**
 * A stream this side opened (PROTOCOL.md 8.7). Its items are read with `for await`; `result`
 * settles once, after the last item: the responder's result, or the error the stream ended with.
 * Leaving the loop early, `cancel()` or the signal cancel it on both sides (the responder's
 * handler is ended, its `finally` blocks run). What `send` yields goes out as the responder grants
 * credit.
 *
 * ```
 *  open ──items, then stream-end(result)──► completed
 *   │ ──stream-error / stream-cancel from the responder──► failed (ERR_REMOTE)
 *   │ ──cancel(), signal, loop left, deadline──► cancelled (stream-cancel sent)
 *   └ ──connection ended──► failed (ERR_CONNECTION_LOST)
 * ```
 */
export class OpenedStream implements AsyncIterable<unknown>, QueueOwner {
  private readonly queue: ItemQueue<unknown>;
  private readonly outcome: Deferred<unknown> = deferred<unknown>(true);
  private readonly sendCredit = new ProducerCredit();
  private timer: NodeJS.Timeout | undefined;
  private signal: AbortSignal | undefined;
  private onAbort: (() => void) | undefined;
  private finished = false;
  /** The send pump, as the session counts producers. */
  private readonly producer: ProducerSlot;

  constructor(
    readonly id: number,
    readonly name: string,
    private readonly schema: StreamSchema,
    private readonly host: StreamHost,
    private readonly done: (stream: OpenedStream) => void,
  ) {
    this.queue = new ItemQueue(host.streamLimits, this);
    this.producer = new ProducerSlot(host);
  }

  /** The responder's result, once the items have ended; rejects with the error the stream ended with. */
  get result(): Promise<unknown> {
    return this.outcome.promise;
  }

  [Symbol.asyncIterator](): AsyncIterator<unknown> {
    return this.queue;
  }

  /** True once the stream has ended, however it did. */
  get isFinished(): boolean {
    return this.finished;
  }

  /** Cancels the stream (no effect once it ended). */
  cancel(reason?: unknown): void {
    this.stop(streamCancelled(this.name, reason), { code: WireCode.CANCELLED });
  }

  /** Sends the open frame and the first credit, and starts the deadline, signal and send pump. */
  start(input: unknown, options: OpenStreamOptions): void {
    const timeoutMs = options.timeoutMs ?? 0;
    const host = this.host;
    const refusal = host.sendStreamFrame(
      streamOpenFrame(host.messages, this.id, this.name, input, timeoutMs),
    );
    if (refusal !== undefined) throw refusal;
    if (this.schema.item !== undefined) this.grant(this.queue.initialCredit());
    else this.queue.end();
    // Writing may have ended the session (a server's queue past its hard cap), and the stream
    // with it: nothing more to start.
    if (this.finished) return;
    if (timeoutMs > 0) {
      this.timer = setTimeout(() => {
        this.timer = undefined;
        this.stop(streamTimedOut(this.name, timeoutMs), { code: WireCode.TIMEOUT });
      }, timeoutMs);
    }
    const signal = options.signal;
    if (signal !== undefined) {
      this.signal = signal;
      this.onAbort = () => this.cancel(signal.reason);
      if (signal.aborted) this.onAbort();
      else signal.addEventListener("abort", this.onAbort, { once: true });
    }
    if (this.schema.send !== undefined) void this.pump(options.send ?? []);
  }

  /** A frame of this stream from the responder. */
  received(envelope: Envelope): void {
    switch (envelope.kind) {
      case Kind.STREAM_ITEM:
        this.item(envelope);
        return;
      case Kind.STREAM_CREDIT:
        this.sendCredit.add(creditOf(envelope));
        return;
      case Kind.STREAM_END:
        this.ended(envelope);
        return;
      default:
        this.fail(remoteError(reasonOf(envelope), `stream ${this.name}`));
    }
  }

  /** The session ended with the stream open. */
  lost(error: unknown): void {
    this.fail(error);
  }

  /** The session is closing and the stream did not end in time: cancelled with `GOING_AWAY`. */
  goingAway(): void {
    this.stop(streamGoingAway(this.name), {
      code: WireCode.GOING_AWAY,
      message: "the connection is closing",
    });
  }

  /** @internal The reader made room: grant more. */
  grant(grant: Grant): void {
    if (!this.finished) this.host.sendStreamFrame(streamCreditFrame(this.id, grant));
  }

  /** @internal The reader left its loop before the end. */
  abandoned(): void {
    this.cancel();
  }

  private item(envelope: Envelope): void {
    let value: unknown;
    try {
      value = readStreamPayload(this.host.messages, envelope, this.schema.item, "item", this.name);
    } catch (error) {
      this.stop(error, { code: WireCode.VALIDATION_ERROR });
      return;
    }
    if (!this.queue.push(value, payloadSize(envelope))) {
      const error = creditExceeded(this.name);
      this.host.report(error);
      this.stop(error, { code: WireCode.CREDIT_EXCEEDED });
    }
  }

  private ended(envelope: Envelope): void {
    let result: unknown;
    try {
      const { messages } = this.host;
      result = readStreamPayload(messages, envelope, this.schema.result, "result", this.name);
    } catch (error) {
      this.fail(error);
      return;
    }
    this.queue.end();
    this.finish();
    this.outcome.resolve(result);
  }

  /** Sends what `source` yields, one item per credit, then ends our side. */
  private async pump(source: AsyncIterable<unknown> | Iterable<unknown>): Promise<void> {
    const schema = this.schema.send;
    if (schema === undefined) return;
    this.producer.start();
    try {
      for await (const item of source) {
        if (this.finished) return;
        const credit = this.sendCredit.take();
        if (credit !== true && !(await credit)) return;
        if (!this.host.hasRoom) await this.host.waitForRoom().catch(noop);
        if (this.finished) return;
        const { messages } = this.host;
        const frame = streamItemFrame(messages, schema, this.id, this.name, "send", item);
        const bytes = itemPayloadBytes(frame);
        const refusal = this.host.sendStreamFrame(frame);
        if (refusal !== undefined) throw refusal;
        this.sendCredit.spent(bytes);
      }
      if (!this.finished) {
        this.host.sendStreamFrame(
          streamEndFrame(this.host.messages, this.id, this.name, undefined, undefined),
        );
      }
    } catch (error) {
      // The source (or a sent item's validation) failed: the stream cannot go on.
      this.stop(streamCancelled(this.name, error), { code: WireCode.CANCELLED });
    } finally {
      this.producer.end();
    }
  }

  /** Ends the stream from this side: the responder is told `reason`, our reader gets `error`. */
  private stop(error: unknown, reason: Reason): void {
    if (this.finished) return;
    this.host.sendStreamFrame(streamReasonFrame(Kind.STREAM_CANCEL, this.id, reason));
    this.fail(error);
  }

  private fail(error: unknown): void {
    if (this.finished) return;
    this.queue.fail(error);
    this.finish();
    this.outcome.reject(error);
  }

  private finish(): void {
    this.finished = true;
    if (this.timer !== undefined) clearTimeout(this.timer);
    this.timer = undefined;
    this.sendCredit.close();
    // The pump may wait on its source long after this (it may never yield again).
    this.producer.end();
    if (this.onAbort !== undefined) this.signal?.removeEventListener("abort", this.onAbort);
    this.onAbort = undefined;
    this.done(this);
  }
}
