import type { SockwireError } from "@sockwire/protocol";
import { handlerFailed, isThenable } from "@sockwire/protocol/internal";

/** A listener for one server event. */
export type Listener = (data: unknown) => unknown;

/**
 * Event listeners by name, with `once` wrappers that `off` can still find by the original
 * function. Dispatch isolates listeners: one that throws or rejects is reported and the others
 * still run.
 */
export class Listeners {
  private readonly byName = new Map<string, Map<Listener, Listener>>();
  /**
   * What `dispatch` calls, per name: a list rebuilt whenever the name's listeners change and
   * never changed in place, so a listener that adds or removes listeners (as `once` does) does
   * not disturb a dispatch under way, and a dispatch copies nothing.
   */
  private readonly calls = new Map<string, readonly Listener[]>();

  /** Adds `listener` for `name`; adding the same function twice keeps one registration. */
  on(name: string, listener: Listener): void {
    this.add(name, listener, listener);
  }

  /** Adds `listener` for the next `name` event only. */
  once(name: string, listener: Listener): void {
    const wrapper: Listener = (data) => {
      this.off(name, listener);
      return listener(data);
    };
    this.add(name, listener, wrapper);
  }

  /** Removes `listener` from `name`, or every listener of `name` when none is given. */
  off(name: string, listener?: Listener): void {
    const set = this.byName.get(name);
    if (!set) return;
    if (listener === undefined) set.clear();
    else set.delete(listener);
    if (set.size === 0) {
      this.byName.delete(name);
      this.calls.delete(name);
    } else this.calls.set(name, [...set.values()]);
  }

  /** Listeners registered for `name`. */
  count(name: string): number {
    return this.byName.get(name)?.size ?? 0;
  }

  private add(name: string, listener: Listener, call: Listener): void {
    let set = this.byName.get(name);
    if (!set) {
      set = new Map();
      this.byName.set(name, set);
    }
    set.set(listener, call);
    this.calls.set(name, [...set.values()]);
  }

  /**
   * Calls every listener of `name` with `data`; failures go to `report`. Returns a promise while
   * async listeners are still running: the connection counts it as work in flight, so a server
   * cannot pile up unsettled listeners without reading pausing (`maxInFlight`).
   */
  dispatch(
    name: string,
    data: unknown,
    report: (error: SockwireError) => void,
  ): Promise<void> | undefined {
    const calls = this.calls.get(name);
    if (calls === undefined) return undefined;
    let pending: Promise<void>[] | undefined;
    for (let i = 0; i < calls.length; i++) {
      const wrapper = calls[i] as Listener;
      try {
        const result = wrapper(data);
        if (isThenable(result)) {
          pending ??= [];
          pending.push(
            Promise.resolve(result).then(
              () => undefined,
              (error: unknown) => report(listenerFailed(name, error)),
            ),
          );
        }
      } catch (error) {
        report(listenerFailed(name, error));
      }
    }
    if (pending === undefined) return undefined;
    return pending.length === 1 ? pending[0] : Promise.all(pending).then(() => undefined);
  }
}

/** `ERR_HANDLER_FAILED` wrapping what a listener threw (a coded error is passed through as is). */
export function listenerFailed(name: string, cause: unknown): SockwireError {
  return handlerFailed(`listener of ${name}`, cause);
}
