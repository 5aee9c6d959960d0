const BUILTINS: Array<[string, object]> = [
  ["Object.prototype", Object.prototype],
  ["Array.prototype", Array.prototype],
  ["Function.prototype", Function.prototype],
  ["String.prototype", String.prototype],
  ["Number.prototype", Number.prototype],
  ["Boolean.prototype", Boolean.prototype],
  ["Error.prototype", Error.prototype],
  ["Promise.prototype", Promise.prototype],
  ["Map.prototype", Map.prototype],
  ["Set.prototype", Set.prototype],
];

/**
 * The own keys of the built-in prototypes, as a comparable string: taken before and after a
 * property run, any difference is prototype pollution. The same check `@fast-check/poisoning`
 * makes, without adding a dependency.
 *
 * @example
 * ```ts
 * const before = prototypeSnapshot();
 * runHostileInput();
 * expect(prototypeSnapshot()).toBe(before);
 * ```
 */
export function prototypeSnapshot(): string {
  return BUILTINS.map(
    ([name, proto]) => `${name}: ${Reflect.ownKeys(proto).map(String).sort().join(",")}`,
  ).join("\n");
}
