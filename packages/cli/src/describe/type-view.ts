import type { CanonicalNode, ObjectNode } from "@sockwire/protocol";
import { constraintsOf } from "./constraints.js";

/**
 * A canonical node (PROTOCOL.md 7.2) as TypeScript-like text, for people: the type a value must
 * have, with what TypeScript cannot say (bounds, formats, patterns, refinements) in comments:
 * `{ name: string /* 1..50 chars *\/; age?: number /* int, >= 0 *\/ }`. Short types stay on one
 * line; longer ones break one member per line, indented. Recursive definitions are named after
 * their `$defs` entry and written out once, after the type (`type r0 = ...`).
 */

/** Widest line a type is kept on before it is broken over several lines. */
const WIDTH = 80;

/**
 * The text of a schema's root node, its recursive definitions after it.
 *
 * @example
 * ```ts
 * typeText({ type: "array", items: { type: "string", maxLength: 5 } }); // "(string /* <= 5 chars *\/)[]"
 * ```
 */
export function typeText(root: CanonicalNode, indent = 0): string {
  const { $defs, ...node } = root as CanonicalNode & { $defs?: Record<string, CanonicalNode> };
  let text = show(node as CanonicalNode, indent);
  for (const [name, def] of Object.entries($defs ?? {})) {
    text += `\n${pad(indent)}type ${name} = ${show(def, indent)}`;
  }
  return text;
}

function pad(level: number): string {
  return "  ".repeat(level);
}

/** The node's type followed by its constraints, if any, as one comment. */
function show(node: CanonicalNode, level: number): string {
  const [base, notes] = parts(node, level);
  // A pattern may hold "*/", which would end the comment early.
  return notes.length === 0 ? base : `${base} /* ${notes.join(", ").replaceAll("*/", "*\\/")} */`;
}

/** A wrapper that changes nothing in the type (a default, a catch) adds its words to the inner's. */
function parts(node: CanonicalNode, level: number): [string, string[]] {
  switch (node.type) {
    case "default":
    case "prefault":
    case "catch":
    case "nonoptional": {
      const [base, notes] = parts(node.of, level);
      return [base, [...notes, ...constraintsOf(node)]];
    }
    default:
      return [bare(node, level), constraintsOf(node)];
  }
}

/** Parenthesised where a postfix (`[]`) or an operator would otherwise bind to part of it. */
function operand(node: CanonicalNode, level: number, postfix = false): string {
  const text = show(node, level);
  return topLevel(text, postfix) ? `(${text})` : text;
}

/**
 * True when `text` has, outside brackets, braces, parentheses and quotes, a `|` or `&` (or, for a
 * postfix operand, a comment, which `[]` would otherwise follow).
 */
function topLevel(text: string, postfix: boolean): boolean {
  let depth = 0;
  let quote: string | undefined;
  for (let i = 0; i < text.length; i++) {
    const c = text[i] as string;
    if (quote !== undefined) {
      if (c === "\\") i++;
      else if (c === quote) quote = undefined;
    } else if (text.startsWith("/*", i)) {
      if (postfix && depth === 0) return true;
      i = text.indexOf("*/", i + 2) + 1; // comments hold bounds such as "<= 5": skip them
      if (i === 0) return false;
    } else if (c === '"' || c === "`") quote = c;
    else if ("([{<".includes(c)) depth++;
    else if (")]}>".includes(c)) depth--;
    else if (depth === 0 && (c === "|" || c === "&")) return true;
  }
  return false;
}

/** One line when it fits, else one item per line between `open` and `close`. */
function block(open: string, items: string[], close: string, level: number, sep: string): string {
  if (items.length === 0) return `${open}${close}`;
  const inner = items.join(`${sep} `);
  const inline = open === "{" ? `{ ${inner} }` : `${open}${inner}${close}`;
  if (inline.length + level * 2 <= WIDTH && !inline.includes("\n")) return inline;
  const lines = items.map((item) => `${pad(level + 1)}${item}${sep}`);
  return `${open}\n${lines.join("\n")}\n${pad(level)}${close}`;
}

/** The type without its constraints. One case per node type. */
function bare(node: CanonicalNode, level: number): string {
  if (node.type === undefined) return node.$ref;
  switch (node.type) {
    case "any":
    case "unknown":
    case "undefined":
    case "null":
    case "never":
    case "boolean":
    case "string":
    case "bigint":
    case "symbol":
      return node.type;
    case "number":
    case "integer":
    case "nan":
      return "number";
    case "date":
      return "Date";
    case "function":
      return "Function";
    case "file":
      return "File";
    case "custom":
    case "transform":
      return "unknown";
    case "enum":
      return node.values.length === 0
        ? "never"
        : node.values.map((v) => JSON.stringify(v)).join(" | ");
    case "object":
      return objectText(node, level);
    case "array":
      return `${operand(node.items, level, true)}[]`;
    case "tuple": {
      const items = node.items.map(
        (item, i) => `${show(item, level + 1)}${i >= node.minItems ? "?" : ""}`,
      );
      if (node.rest) items.push(`...${operand(node.rest, level + 1, true)}[]`);
      return block("[", items, "]", level, ",");
    }
    case "record": {
      const record = `Record<${show(node.key, level)}, ${show(node.value, level)}>`;
      return node.partial ? `Partial<${record}>` : record;
    }
    case "map":
      return `Map<${show(node.key, level)}, ${show(node.value, level)}>`;
    case "set":
      return `Set<${show(node.items, level)}>`;
    case "union":
      return node.anyOf.map((option) => operand(option, level)).join(" | ");
    case "intersection":
      return `${operand(node.allOf[0], level)} & ${operand(node.allOf[1], level)}`;
    case "optional":
      return `${operand(node.of, level)} | undefined`;
    case "nullable":
      return `${operand(node.of, level)} | null`;
    case "default":
    case "prefault":
    case "catch":
    case "nonoptional":
      return show(node.of, level); // parts() handles them; kept for the switch to be whole
    case "promise":
      return `Promise<${show(node.of, level)}>`;
    case "success":
      return "boolean";
    case "pipe":
    case "codec":
      // What a sender writes is the input side; what the receiver makes of it is its own.
      return show(node.in, level);
    case "template_literal":
      return `\`${node.parts.map((p) => (typeof p === "string" ? p.replace(/[`$\\]/g, "\\$&") : `\${${show(p, level)}}`)).join("")}\``;
  }
}

const IDENTIFIER = /^[A-Za-z_$][\w$]*$/;

/**
 * `{ a: string; b?: number }`: a key the receiver does not require is marked `?`, and the
 * wrapper that makes it so (a default, a catch) is said in a comment; undeclared keys are shown
 * as an index signature when they are kept, and a strict object says it refuses them.
 */
function objectText(node: ObjectNode, level: number): string {
  const items = Object.entries(node.properties).map(([key, value]) => {
    const name = IDENTIFIER.test(key) ? key : JSON.stringify(key);
    const optional = !node.required.includes(key);
    const shown =
      optional && value.type === "optional" ? show(value.of, level + 1) : show(value, level + 1);
    return `${name}${optional ? "?" : ""}: ${shown}`;
  });
  if (node.unknownKeys === "loose") items.push("[key: string]: unknown");
  if (node.unknownKeys === "catchall" && node.catchall) {
    items.push(`[key: string]: ${show(node.catchall, level + 1)}`);
  }
  const text = block("{", items, "}", level, ";");
  return node.unknownKeys === "strict" ? `${text} /* no other keys */` : text;
}
