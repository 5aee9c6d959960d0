import { ErrorCode, SockwireError } from "@sockwire/protocol";
import type { AdapterHost } from "@sockwire/server";
import { type Keys, QUERY_SCRIPT } from "./keys.js";
import type { RedisLink } from "./link.js";

/**
 * A live instance of the service, from `adapter.instances()`.
 *
 * @example
 * ```ts
 * for (const { id, host, pid } of await adapter.instances()) console.log(id, host, pid);
 * ```
 */
export interface ClusterInstance {
  /** The instance id (the prefix of its connection ids). */
  id: string;
  /** Host name of its machine. */
  host: string;
  /** Its process id. */
  pid: number;
  /** When it started (ISO 8601). */
  startedAt: string;
  /** True for the instance that answered the query. */
  self: boolean;
}

/**
 * Cluster-wide membership questions. The local part always comes from the server itself (never
 * stale); the other instances' part comes from Redis in one script call, counting only
 * instances whose liveness has not expired.
 */
export class Queries {
  constructor(
    private readonly link: RedisLink,
    private readonly keys: Keys,
    private readonly self: string,
    private readonly host: AdapterHost,
    private readonly timeoutMs: number,
  ) {}

  async roomSize(room: string): Promise<number> {
    const remote = (await this.#query("roomSize", room)) as number;
    return this.host.roomMembers(room).length + remote;
  }

  async connectionsIn(room: string): Promise<string[]> {
    const remote = (await this.#query("members", room)) as string[];
    return [...this.host.roomMembers(room), ...remote];
  }

  async rooms(): Promise<string[]> {
    const remote = (await this.#query("rooms", "")) as string[];
    return [...new Set([...this.host.roomNames(), ...remote])];
  }

  async connectionCount(): Promise<number> {
    const remote = (await this.#query("count", "")) as number;
    let local = 0;
    for (const _ of this.host.connections()) local++;
    return local + remote;
  }

  async instances(): Promise<ClusterInstance[]> {
    const flat = (await this.#query("instances", "")) as string[];
    const out: ClusterInstance[] = [];
    for (let i = 0; i + 1 < flat.length; i += 2) {
      const id = flat[i] as string;
      let meta: Partial<ClusterInstance> = {};
      try {
        meta = JSON.parse(flat[i + 1] as string) as Partial<ClusterInstance>;
      } catch {
        // A liveness value we cannot read still proves the instance is alive.
      }
      out.push({
        id,
        host: String(meta.host ?? ""),
        pid: Number(meta.pid ?? 0),
        startedAt: String(meta.startedAt ?? ""),
        self: id === this.self,
      });
    }
    return out.sort((a, b) => a.id.localeCompare(b.id));
  }

  async #query(mode: string, room: string): Promise<unknown> {
    if (!this.link.writable) {
      throw queryFailed(`Redis is unavailable (${this.link.state})`, undefined);
    }
    let timer: NodeJS.Timeout | undefined;
    const expired = new Promise<never>((_, reject) => {
      timer = setTimeout(
        () => reject(queryFailed(`no answer within ${this.timeoutMs} ms`, undefined)),
        this.timeoutMs,
      );
    });
    try {
      return await Promise.race([
        this.link.pub.eval(QUERY_SCRIPT, {
          arguments: [this.keys.namespace, this.self, mode, room],
        }),
        expired,
      ]);
    } catch (error) {
      if (error instanceof SockwireError) throw error;
      throw queryFailed(error instanceof Error ? error.message : String(error), error);
    } finally {
      clearTimeout(timer);
    }
  }
}

function queryFailed(why: string, cause: unknown): SockwireError {
  return new SockwireError(ErrorCode.ADAPTER, `cluster query failed: ${why}`, {
    cause,
    details: { operation: "query" },
  });
}
