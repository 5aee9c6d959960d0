/**
 * Freezes a canonical value and everything in it. Forms are cached and handed to every caller,
 * so none of them may change one under the others. Iterative: a form can nest deeply.
 *
 * @example
 * ```ts
 * const form = deepFreeze({ type: "array", items: { type: "string" } });
 * ```
 */
export function deepFreeze<T>(value: T): T {
  const stack: unknown[] = [value];
  while (stack.length > 0) {
    const item = stack.pop();
    if (typeof item !== "object" || item === null || Object.isFrozen(item)) continue;
    Object.freeze(item);
    for (const member of Object.values(item)) stack.push(member);
  }
  return value;
}
