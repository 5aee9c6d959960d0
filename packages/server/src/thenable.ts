/**
 * True for anything with a callable `then`: a promise, or a thenable from another promise library
 * or realm. Handlers and hooks may return either, so `instanceof Promise` would miss some.
 *
 * @example
 * ```ts
 * const result = handler(input);
 * if (isThenable(result)) result.then(onDone, onFailure);
 * ```
 */
export function isThenable(value: unknown): value is PromiseLike<unknown> {
  return typeof (value as PromiseLike<unknown> | undefined)?.then === "function";
}
