import { MAX_TIMER_MS } from "../../constants.js";
import type { StreamSchema } from "../../contract/types.js";
import type { Envelope } from "../../envelope/envelope.js";
import { Kind } from "../../envelope/kinds.js";
import { payloadSize } from "../../envelope/received-envelope.js";
import { handlerFailed } from "../../errors/handler-failed.js";
import type { SockwireError } from "../../errors/sockwire-error.js";
import { WireCode } from "../../errors/wire-codes.js";
import type { Reason } from "../../handshake/handshake.js";
import {
  readStreamPayload,
  streamEndFrame,
  streamItemFrame,
} from "../../message/stream-messages.js";
import { isThenable, noop } from "../deferred.js";
import type { StreamContext, StreamHandlerResult } from "../session-types.js";
import { reasonForInvalid, reasonForThrown, remoteError } from "../wire-error.js";
import { type Grant, ProducerCredit } from "./credit.js";
import { ItemQueue, type QueueOwner } from "./item-queue.js";
import { creditExceeded } from "./stream-errors.js";
import {
  creditOf,
  itemPayloadBytes,
  reasonOf,
  streamCreditFrame,
  streamReasonFrame,
} from "./stream-frames.js";
import { ProducerSlot, type StreamHost } from "./stream-host.js";

const NO_ITEMS: AsyncIterable<unknown> = {
  [Symbol.asyncIterator]: () => ({ next: () => Promise.resolve({ value: undefined, done: true }) }),
};

/**
 * A stream the peer opened, served by this side's handler (PROTOCOL.md 8.7). The handler is an
 * async generator (or returns an iterable): each value it yields is an item, sent once the opener
 * has granted credit, so its `yield` waits while the opener is slow; what a generator returns is
 * the result, sent with `stream-end`. A throw ends the stream with `stream-error` (an `AppError`
 * keeps its code). When the opener cancels, the deadline passes or the connection ends, the
 * handler's signal aborts and the generator is ended with `return()`, so its `finally` blocks run.
 * The opener's `send` items, if the stream has them, are `context.items`.
 *
 * ```
 *  serving ──generator done──► stream-end(result) ──► completed
 *     │ ──handler throws──► stream-error ──► failed
 *     │ ──stream-cancel / stream-error from the opener, deadline──► cancelled (generator ended)
 *     └ ──connection ended──► cancelled (generator ended)
 * ```
 */
export class ServedStream implements QueueOwner {
  private readonly credit = new ProducerCredit();
  private readonly controller = new AbortController();
  private readonly sent: ItemQueue<unknown> | undefined;
  private iterator: AsyncIterator<unknown> | Iterator<unknown> | undefined;
  private timer: NodeJS.Timeout | undefined;
  private finished = false;
  /** The pump, as the session counts producers. */
  private readonly producer: ProducerSlot;

  constructor(
    readonly id: number,
    readonly name: string,
    private readonly schema: StreamSchema,
    private readonly host: StreamHost,
    private readonly done: (stream: ServedStream) => void,
  ) {
    this.sent = schema.send === undefined ? undefined : new ItemQueue(host.streamLimits, this);
    this.producer = new ProducerSlot(host);
  }

  /** Runs the handler on the validated `input`; `deadlineMs` is the opener's, if it set one. */
  start(input: unknown, deadlineMs: number | undefined): void {
    const context: StreamContext = {
      id: this.id,
      signal: this.controller.signal,
      items: this.sent ?? NO_ITEMS,
    };
    let handled: StreamHandlerResult | undefined;
    try {
      handled = this.host.runStreamHandler(this.name, input, context);
    } catch (error) {
      this.failWith(error);
      return;
    }
    if (handled === undefined) {
      this.end(Kind.STREAM_ERROR, { code: WireCode.NOT_IMPLEMENTED, message: "no handler" });
      return;
    }
    let iterator: AsyncIterator<unknown> | Iterator<unknown>;
    try {
      iterator = iteratorOf(handled);
    } catch (error) {
      this.failWith(error);
      return;
    }
    this.iterator = iterator;
    if (this.sent !== undefined) this.grant(this.sent.initialCredit());
    // Writing the grant may have ended the session, and the stream with it.
    if (this.finished) return;
    // A deadline past what a timer can hold (about 24.8 days) is no deadline in practice.
    if (deadlineMs !== undefined && deadlineMs > 0 && deadlineMs <= MAX_TIMER_MS) {
      this.timer = setTimeout(() => {
        this.timer = undefined;
        this.end(Kind.STREAM_ERROR, {
          code: WireCode.TIMEOUT,
          message: "the stream's deadline passed",
        });
      }, deadlineMs);
    }
    void this.pump(iterator);
  }

  /** A frame of this stream from the opener. */
  received(envelope: Envelope): void {
    switch (envelope.kind) {
      case Kind.STREAM_ITEM:
        this.sentItem(envelope);
        return;
      case Kind.STREAM_CREDIT:
        this.credit.add(creditOf(envelope));
        return;
      case Kind.STREAM_END:
        this.sent?.end();
        return;
      default: {
        // The opener cancelled (or reported its own failure): stop, say nothing more.
        const reason = reasonOf(envelope);
        this.sent?.fail(remoteError(reason, `stream ${this.name}`));
        this.stop();
      }
    }
  }

  /** The session ended: the handler is stopped. */
  lost(error: unknown): void {
    this.sent?.fail(error);
    this.stop();
  }

  /** The session is closing and the stream did not finish in time: tell the opener. */
  goingAway(): void {
    this.end(Kind.STREAM_CANCEL, {
      code: WireCode.GOING_AWAY,
      message: "the connection is closing",
    });
  }

  /** @internal The handler read `send` items: grant more. */
  grant(grant: Grant): void {
    if (!this.finished) this.host.sendStreamFrame(streamCreditFrame(this.id, grant));
  }

  /** @internal The handler stopped reading `send` items: nothing to do, its loop goes on. */
  abandoned(): void {}

  /** Pulls the handler's items and sends each once it has credit, then sends its result. */
  private async pump(iterator: AsyncIterator<unknown> | Iterator<unknown>): Promise<void> {
    const schema = this.schema.item;
    this.producer.start();
    try {
      for (;;) {
        // The next item is pulled before its credit is awaited: the end (and the result) needs
        // no credit, so a producer that has run out of items ends even with none left. The
        // generator is thus at most one item ahead of what the consumer granted. A synchronous
        // iterator (an array, a `function*`) is pulled without an await while credit and room
        // last: its items leave in one burst.
        const next = iterator.next();
        const step = isThenable(next) ? await next : next;
        if (this.finished) return;
        if (step.done === true) {
          const { messages } = this.host;
          const frame = streamEndFrame(
            messages,
            this.id,
            this.name,
            this.schema.result,
            step.value,
          );
          const refusal = this.host.sendStreamFrame(frame);
          if (refusal !== undefined) throw refusal;
          this.finish();
          return;
        }
        if (schema === undefined) continue; // a client stream's handler yields nothing to send
        const credit = this.credit.take();
        if (credit !== true && !(await credit)) return;
        if (!this.host.hasRoom) await this.host.waitForRoom().catch(noop);
        if (this.finished) return;
        const { messages } = this.host;
        const frame = streamItemFrame(messages, schema, this.id, this.name, "item", step.value);
        const bytes = itemPayloadBytes(frame);
        const refusal = this.host.sendStreamFrame(frame);
        if (refusal !== undefined) throw refusal;
        this.credit.spent(bytes);
      }
    } catch (error) {
      if (!this.finished) this.failWith(error);
    } finally {
      this.producer.end();
    }
  }

  private sentItem(envelope: Envelope): void {
    const sent = this.sent;
    if (sent === undefined) return;
    let value: unknown;
    try {
      value = readStreamPayload(this.host.messages, envelope, this.schema.send, "send", this.name);
    } catch (error) {
      this.end(Kind.STREAM_ERROR, reasonForInvalid(error as SockwireError));
      return;
    }
    if (!sent.push(value, payloadSize(envelope))) {
      this.host.report(creditExceeded(this.name));
      this.end(Kind.STREAM_ERROR, {
        code: WireCode.CREDIT_EXCEEDED,
        message: "more items than granted",
      });
    }
  }

  /** The handler failed: the opener gets its code (an `AppError`'s), or `INTERNAL`. */
  private failWith(error: unknown): void {
    const { reason, internal } = reasonForThrown(error);
    if (internal) this.host.report(handlerFailed(`stream ${this.name} handler`, error));
    this.end(Kind.STREAM_ERROR, reason);
  }

  /** Ends the stream with a frame of ours, and stops the handler. */
  private end(kind: typeof Kind.STREAM_ERROR | typeof Kind.STREAM_CANCEL, reason: Reason): void {
    if (this.finished) return;
    this.host.sendStreamFrame(streamReasonFrame(kind, this.id, reason));
    this.stop();
  }

  /** Stops the handler: its signal aborts and its generator is ended (its `finally` blocks run). */
  private stop(): void {
    if (this.finished) return;
    // Before finish(), which ends the opener's items normally: here they stop with an error.
    this.sent?.fail(new Error("the stream ended"));
    this.finish();
    this.controller.abort();
    const iterator = this.iterator;
    if (iterator?.return !== undefined) {
      // What the handler's `finally` throws is the application's failure, reported like a
      // handler's; the stream has ended either way.
      Promise.resolve()
        .then(() => iterator.return?.())
        .catch((error: unknown) =>
          this.host.report(handlerFailed(`stream ${this.name} handler (while ending)`, error)),
        );
    }
  }

  private finish(): void {
    this.finished = true;
    if (this.timer !== undefined) clearTimeout(this.timer);
    this.timer = undefined;
    this.credit.close();
    // The handler may be busy long after this (ignoring its signal).
    this.producer.end();
    // A handler still reading the opener's items after it returned gets their end.
    this.sent?.end();
    this.done(this);
  }
}

/** The iterator of what a handler returned; a TypeError when it returned no iterable. */
function iteratorOf(handled: unknown): AsyncIterator<unknown> | Iterator<unknown> {
  const value = handled as Partial<AsyncIterable<unknown> & Iterable<unknown>> | null;
  if (typeof value?.[Symbol.asyncIterator] === "function") {
    return (value as AsyncIterable<unknown>)[Symbol.asyncIterator]();
  }
  if (typeof value?.[Symbol.iterator] === "function") {
    return (value as Iterable<unknown>)[Symbol.iterator]();
  }
  throw new TypeError(
    "a stream handler must return an async iterable or an iterable (an async generator, usually)",
  );
}
