import { type AnyContract, ErrorCode, SockwireError } from "@sockwire/protocol";
import {
  type AdapterConnection,
  type AdapterHost,
  type AdapterTarget,
  adapterFailed,
  INSTANCE_ID_PATTERN,
  type ServerAdapter,
} from "./adapter.js";
import { type BroadcastOptions, deliver } from "./broadcast.js";
import type { ConnectionRegistry } from "./registry.js";

/**
 * The server's side of a scale-out adapter: it is the {@link AdapterHost} the adapter delivers
 * into, and the one place where the server hands frames to the adapter. Every call into the
 * adapter is guarded, so a failing adapter is an `ERR_ADAPTER` report, never an exception in a
 * broadcast or a handler.
 */
export class Cluster<C extends AnyContract, Ctx> implements AdapterHost {
  /** Connection ids of this instance start with this. */
  readonly prefix: string;

  constructor(
    readonly adapter: ServerAdapter,
    readonly contract: C,
    private readonly registry: ConnectionRegistry<C, Ctx>,
  ) {
    this.prefix = `${adapter.instanceId}.`;
    try {
      adapter.attach(this);
    } catch (error) {
      throw new SockwireError(
        ErrorCode.INVALID_ARGUMENT,
        `the adapter refused to attach: ${error instanceof Error ? error.message : String(error)}`,
        { cause: error },
      );
    }
  }

  deliver(frame: Buffer, target: AdapterTarget): number {
    const registry = this.registry;
    const report = registry.report;
    if (target.kind === "connection") {
      const conn = registry.open.get(target.id);
      return conn ? deliver(frame, [conn], undefined, report) : 0;
    }
    const except = target.except === undefined ? undefined : registry.open.get(target.except);
    const members =
      target.kind === "all" ? registry.open.values() : registry.rooms.members(target.room);
    return deliver(frame, members, except && { except }, report);
  }

  connections(): Iterable<AdapterConnection> {
    return this.registry.open.values();
  }

  roomMembers(room: string): string[] {
    return Array.from(this.registry.rooms.members(room), (conn) => conn.id);
  }

  roomNames(): string[] {
    return [...this.registry.rooms.names()];
  }

  reportError(error: SockwireError): void {
    this.registry.reportError(error);
  }

  /** Hands an encoded frame to the adapter for the other instances. */
  publish(frame: Buffer, target: AdapterTarget): void {
    try {
      this.adapter.publish(frame, target);
    } catch (error) {
      this.registry.reportError(adapterFailed("publish", error));
    }
  }

  /**
   * Sends to a connection of another instance. False when the id is not one of a cluster
   * connection id's shape (`<instanceId>.<n>`) or names this instance (the connection is gone).
   */
  publishTo(frame: Buffer, id: string): boolean {
    const dot = id.lastIndexOf(".");
    if (dot <= 0 || id.startsWith(this.prefix) || !INSTANCE_ID_PATTERN.test(id.slice(0, dot))) {
      return false;
    }
    this.publish(frame, { kind: "connection", id });
    return true;
  }

  start(): void {
    try {
      this.adapter.start();
    } catch (error) {
      this.registry.reportError(adapterFailed("start", error));
    }
  }

  async close(): Promise<void> {
    try {
      await this.adapter.close();
    } catch (error) {
      this.registry.reportError(adapterFailed("close", error));
    }
  }
}

/**
 * The cluster a broadcast with these options goes to: none for `local: true`. A `filter` is a
 * function of local connection objects and cannot travel, so with an adapter it must be paired
 * with `local: true`; without one the broadcast would silently miss the other instances.
 *
 * @throws `ERR_INVALID_ARGUMENT` for a `filter` without `local: true` on a clustered server.
 */
export function clusterFor<C extends AnyContract, Ctx>(
  cluster: Cluster<C, Ctx> | undefined,
  options: BroadcastOptions<C, Ctx> | undefined,
): Cluster<C, Ctx> | undefined {
  if (!cluster || options?.local === true) return undefined;
  if (options?.filter) {
    throw new SockwireError(
      ErrorCode.INVALID_ARGUMENT,
      "a broadcast filter only sees this instance's connections: pass local: true with it",
    );
  }
  return cluster;
}
