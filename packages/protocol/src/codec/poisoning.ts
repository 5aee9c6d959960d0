/**
 * Removes prototype-poisoning keys from a freshly parsed JSON value, in place.
 *
 * `JSON.parse` itself is safe (it defines `__proto__` as an own property), but the key becomes
 * dangerous the moment application code merges the object (`Object.assign`, spread into a class,
 * lodash merge). We drop every `__proto__` key, and every `constructor` key whose value is an
 * object with a `prototype` key, the two shapes that reach `Object.prototype`. A plain
 * `constructor` string or number stays. The walk is iterative so depth cannot overflow the stack,
 * and it visits every node: its cost is linear in the payload, like the parse before it, and a
 * budget that stopped early would let a key placed after the budget through.
 */
export function stripPoisonedKeys(root: unknown): void {
  if (typeof root !== "object" || root === null) return;
  const stack: object[] = [root];
  while (stack.length > 0) {
    const node = stack.pop() as Record<string, unknown>;
    if (Array.isArray(node)) {
      for (const item of node) if (typeof item === "object" && item !== null) stack.push(item);
      continue;
    }
    if (Object.hasOwn(node, "__proto__")) Reflect.deleteProperty(node, "__proto__");
    const ctor = Object.hasOwn(node, "constructor") ? node.constructor : undefined;
    if (typeof ctor === "object" && ctor !== null && Object.hasOwn(ctor, "prototype")) {
      Reflect.deleteProperty(node, "constructor");
    }
    for (const key in node) {
      const value = node[key];
      if (typeof value === "object" && value !== null) stack.push(value);
    }
  }
}

/**
 * Cheap pre-check on the raw text: only text that mentions one of the keys, or uses `\u` escapes
 * (which could spell them), needs the walk. Almost every payload skips it.
 */
export function mayContainPoisonedKeys(text: string): boolean {
  return text.includes("__proto__") || text.includes("constructor") || text.includes("\\u");
}
