// Captured at import time, before any test installs fake timers, so waits stay in real time.
const realSetTimeout = globalThis.setTimeout;
const realClearTimeout = globalThis.clearTimeout;

/** Sleeps in real time, even while fake timers are installed. */
export function sleep(ms: number): Promise<void> {
  return new Promise((resolve) => realSetTimeout(resolve, ms));
}

/**
 * Polls `condition` every few ms of real time until it holds; throws after `timeoutMs` (real
 * time) with `what` in the message. Bounded in both count and time.
 */
export async function until(
  condition: () => boolean,
  what: string,
  timeoutMs = 5000,
): Promise<void> {
  const deadline = performance.now() + timeoutMs;
  for (let i = 0; i < 1_000_000; i++) {
    if (condition()) return;
    if (performance.now() > deadline)
      throw new Error(`timed out after ${timeoutMs} ms waiting for ${what}`);
    await sleep(i < 20 ? 1 : 5);
  }
  throw new Error(`gave up waiting for ${what}`);
}

/** Rejects if `promise` does not settle within `timeoutMs` of real time. */
export async function within<T>(promise: Promise<T>, what: string, timeoutMs = 5000): Promise<T> {
  let timer: ReturnType<typeof setTimeout> | undefined;
  const timeout = new Promise<never>((_, reject) => {
    timer = realSetTimeout(
      () => reject(new Error(`timed out after ${timeoutMs} ms waiting for ${what}`)),
      timeoutMs,
    );
  });
  try {
    return await Promise.race([promise, timeout]);
  } finally {
    realClearTimeout(timer);
  }
}

/** Resolves with what `promise` rejects with; fails the test if it resolves. */
export async function caught(
  promise: Promise<unknown>,
): Promise<{ code?: string; remoteCode?: string; details?: unknown }> {
  try {
    await promise;
  } catch (error) {
    return error as { code?: string };
  }
  throw new Error("expected a rejection");
}
