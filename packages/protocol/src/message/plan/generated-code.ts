/**
 * Helpers shared by the code generators (the plan parser, the plan writer, the accept check):
 * numbered variable names and indentation. Generated source holds only such names, constants the
 * generator itself writes, and keys as JSON string literals.
 */

/** Numbered variables (`x0`, `x1`...) for generated source, and their `let` list. */
export class NumberedVariables {
  private count = 0;

  constructor(private readonly prefix: string) {}

  /** A fresh variable name. */
  next(): string {
    return `${this.prefix}${this.count++}`;
  }

  /** `, x0, x1...`: the names handed out so far, to append to a `let` declaration. */
  declarations(): string {
    let list = "";
    for (let i = 0; i < this.count; i++) list += `, ${this.prefix}${i}`;
    return list;
  }
}

/** The lines, indented one level. */
export function indent(lines: readonly string[]): string[] {
  return lines.map((line) => `  ${line}`);
}
