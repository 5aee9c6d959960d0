import { ErrorCode, SockwireError } from "@sockwire/protocol";
import { handlerFailed, isThenable } from "@sockwire/protocol/internal";

/**
 * A small listener list for the server's lifecycle hooks. A listener that throws or rejects
 * never disturbs the server or the other listeners: the failure goes to `onFailure`.
 */
export class Listeners<A extends unknown[]> {
  private readonly set = new Set<(...args: A) => unknown>();

  /** Adds a listener; returns a function that removes it. */
  add(listener: (...args: A) => unknown): () => void {
    if (typeof listener !== "function")
      throw new SockwireError(ErrorCode.INVALID_ARGUMENT, "listener must be a function");
    // Wrap so the same function registered twice is called twice and removed once per call.
    const entry = (...args: A) => listener(...args);
    this.set.add(entry);
    return () => {
      this.set.delete(entry);
    };
  }

  get size(): number {
    return this.set.size;
  }

  /** Calls every listener with `args`. */
  emit(onFailure: (error: SockwireError) => void, ...args: A): void {
    for (const listener of [...this.set]) {
      try {
        const result = listener(...args);
        if (isThenable(result)) {
          result.then(undefined, (error: unknown) => onFailure(handlerFailed("listener", error)));
        }
      } catch (error) {
        onFailure(handlerFailed("listener", error));
      }
    }
  }
}
