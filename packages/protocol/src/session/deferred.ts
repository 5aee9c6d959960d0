// Promise helpers shared by the session and its owners.

/** A promise with its settle functions, for results that arrive through callbacks. */
export interface Deferred<T> {
  promise: Promise<T>;
  resolve(value: T): void;
  reject(reason: unknown): void;
}

/** Creates a {@link Deferred}. With `handled`, an unobserved rejection never reaches `unhandledRejection`. */
export function deferred<T>(handled = false): Deferred<T> {
  let resolve!: (value: T) => void;
  let reject!: (reason: unknown) => void;
  const promise = new Promise<T>((res, rej) => {
    resolve = res;
    reject = rej;
  });
  if (handled) promise.catch(noop);
  return { promise, resolve, reject };
}

/** Returns a rejected promise that does not trip `unhandledRejection` when nobody awaits it. */
export function rejected(reason: unknown): Promise<never> {
  const promise = Promise.reject(reason);
  promise.catch(noop);
  return promise;
}

export function noop(): void {}

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
