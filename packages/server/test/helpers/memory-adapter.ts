import type { AdapterHost, AdapterTarget, ServerAdapter } from "../../src/index.js";

/** Links in-memory adapters: what one publishes, the others receive on a later microtask. */
export class MemoryBus {
  readonly members = new Set<MemoryAdapter>();
}

/**
 * A scale-out adapter that keeps everything in the process: enough to test the server's side of
 * the adapter contract (what it publishes, when it calls, how it delivers) without a backend.
 */
export class MemoryAdapter implements ServerAdapter {
  host: AdapterHost | undefined;
  /** Every call the server made, in order (`publish` excluded). */
  readonly calls: string[] = [];
  readonly published: Array<{ frame: Buffer; target: AdapterTarget }> = [];
  /** Set to make the named method throw (or `close` reject). */
  failing = new Set<string>();

  constructor(
    readonly instanceId: string,
    private readonly bus?: MemoryBus,
  ) {}

  attach(host: AdapterHost): void {
    if (this.host) throw new Error("already attached");
    this.host = host;
  }

  start(): void {
    this.record("start");
    this.bus?.members.add(this);
  }

  async close(): Promise<void> {
    this.bus?.members.delete(this);
    this.record("close");
  }

  publish(frame: Buffer, target: AdapterTarget): void {
    if (this.failing.has("publish")) throw new Error("publish failed");
    this.published.push({ frame, target });
    for (const other of this.bus?.members ?? []) {
      if (other === this) continue;
      if (target.kind === "connection" && !target.id.startsWith(`${other.instanceId}.`)) continue;
      queueMicrotask(() => other.host?.deliver(frame, target));
    }
  }

  connectionOpened(id: string): void {
    this.record("connectionOpened", `open ${id}`);
  }

  connectionClosed(id: string): void {
    this.record("connectionClosed", `closed ${id}`);
  }

  roomJoined(id: string, room: string): void {
    this.record("roomJoined", `join ${id} ${room}`);
  }

  roomLeft(id: string, room: string): void {
    this.record("roomLeft", `leave ${id} ${room}`);
  }

  private record(method: string, entry = method): void {
    // `close` is async, so there the throw becomes a rejection.
    if (this.failing.has(method)) throw new Error(`${method} failed`);
    this.calls.push(entry);
  }
}
