import { ErrorCode, SockwireError } from "@sockwire/protocol";
import type { AdapterTarget } from "@sockwire/server";
import { encodeClusterMessage } from "./envelope.js";
import { type Keys, ownerOf } from "./keys.js";
import type { RedisLink } from "./link.js";

/**
 * Publishes cluster messages without ever waiting: a publish Redis cannot take now (link down,
 * backlog over `maxPendingBytes`) is dropped and counted, which is what at-most-once means here.
 * One `ERR_ADAPTER` is reported per run of drops; the next successful publish or reconnection
 * re-arms the report.
 */
export class Publisher {
  published = 0;
  publishedBytes = 0;
  dropped = 0;
  /** Messages for one connection whose instance no longer listens (it is gone). */
  unroutable = 0;
  /** Bytes handed to Redis and not yet acknowledged. */
  pendingBytes = 0;
  #reported = false;

  constructor(
    private readonly link: RedisLink,
    private readonly keys: Keys,
    private readonly self: string,
    private readonly maxPendingBytes: number,
    private readonly report: (error: SockwireError) => void,
  ) {}

  publish(frame: Buffer, target: AdapterTarget): void {
    let channel = this.keys.broadcastChannel;
    if (target.kind === "connection") {
      const owner = ownerOf(target.id);
      if (owner === undefined) {
        this.unroutable++;
        return;
      }
      channel = this.keys.directChannel(owner);
    }
    if (!this.link.writable) {
      this.#drop("Redis is unavailable", undefined);
      return;
    }
    const message = encodeClusterMessage(this.self, target, frame);
    const size = message.length;
    if (this.pendingBytes + size > this.maxPendingBytes) {
      this.#drop(`more than ${this.maxPendingBytes} bytes are waiting for Redis`, undefined);
      return;
    }
    this.pendingBytes += size;
    this.link.pub.publish(channel, message).then(
      (receivers) => {
        this.pendingBytes -= size;
        this.published++;
        this.publishedBytes += size;
        this.#reported = false;
        if (target.kind === "connection" && receivers === 0) this.unroutable++;
      },
      (error: unknown) => {
        this.pendingBytes -= size;
        this.#drop("the publish failed", error);
      },
    );
  }

  /** The link is back: the next drop is a new episode worth reporting. */
  rearm(): void {
    this.#reported = false;
  }

  #drop(why: string, cause: unknown): void {
    this.dropped++;
    if (this.#reported) return;
    this.#reported = true;
    const text = cause instanceof Error ? `: ${cause.message}` : "";
    this.report(
      new SockwireError(
        ErrorCode.ADAPTER,
        `cluster message dropped (${why}${text}); later drops are counted in stats().dropped`,
        { cause, details: { operation: "publish" } },
      ),
    );
  }
}
