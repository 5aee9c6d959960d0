import { describe, expect, test } from "vitest";
import { isThenable } from "../src/session/deferred.js";

/** `target` with a `then` property of the given value. */
function withThen<T extends object>(target: T, then: unknown): T {
  // biome-ignore lint/suspicious/noThenProperty: thenables are what this test is about.
  return Object.defineProperty(target, "then", { value: then });
}

describe("isThenable", () => {
  test("promises and foreign thenables are thenable", () => {
    expect(isThenable(Promise.resolve(1))).toBe(true);
    expect(isThenable(withThen({}, () => undefined))).toBe(true);
    expect(
      isThenable(
        withThen(
          () => undefined,
          () => undefined,
        ),
      ),
    ).toBe(true);
  });

  test("plain values, including a non-callable then, are not", () => {
    const values = [undefined, null, 0, "then", {}, withThen({}, 1), [], () => undefined];
    for (const value of values) expect(isThenable(value)).toBe(false);
  });
});
