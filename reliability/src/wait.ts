/** Resolves after `ms` milliseconds. */
export function sleep(ms: number): Promise<void> {
  return new Promise((resolve) => setTimeout(resolve, ms));
}

/** Resolves after `ms`, or rejects with the signal's reason when it fires first (a handler's wait). */
export function abortableSleep(ms: number, signal: AbortSignal): Promise<void> {
  if (signal.aborted) return Promise.reject(signal.reason);
  return new Promise((resolve, reject) => {
    const timer = setTimeout(() => {
      signal.removeEventListener("abort", onAbort);
      resolve();
    }, ms);
    function onAbort(): void {
      clearTimeout(timer);
      reject(signal.reason);
    }
    signal.addEventListener("abort", onAbort, { once: true });
  });
}

/**
 * Resolves once `predicate` holds, checking every `everyMs`; rejects after `timeoutMs` with a
 * message naming `what`. Bounded in time, so a test never hangs on a condition that never comes.
 */
export async function until(
  predicate: () => boolean,
  what: string,
  timeoutMs = 5000,
  everyMs = 5,
): Promise<void> {
  if (!(await eventually(predicate, timeoutMs, everyMs)))
    throw new Error(`timed out after ${timeoutMs} ms: ${what}`);
}

/**
 * Resolves true once `predicate` holds (checked every `everyMs`), false after `timeoutMs`: for a
 * condition whose failure is a finding to report rather than an error to throw.
 */
export async function eventually(
  predicate: () => boolean,
  timeoutMs = 5000,
  everyMs = 5,
): Promise<boolean> {
  const deadline = performance.now() + timeoutMs;
  while (!predicate()) {
    if (performance.now() > deadline) return false;
    await sleep(everyMs);
  }
  return true;
}

/** Rejects if `promise` has not settled within `timeoutMs`; the timer never outlives the race. */
export function within<T>(promise: Promise<T>, what: string, timeoutMs = 5000): Promise<T> {
  let timer: NodeJS.Timeout | undefined;
  const timeout = new Promise<never>((_, reject) => {
    timer = setTimeout(
      () => reject(new Error(`timed out after ${timeoutMs} ms: ${what}`)),
      timeoutMs,
    );
  });
  return Promise.race([promise, timeout]).finally(() => clearTimeout(timer));
}

/** The settled error of `promise` (or the value, when it resolves), for assertions on codes. */
export function outcome<T>(promise: Promise<T>): Promise<T | unknown> {
  return promise.then(
    (value) => value,
    (error: unknown) => error,
  );
}
