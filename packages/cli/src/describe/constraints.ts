import type { CanonicalNode, FormatForm, PatternForm } from "@sockwire/protocol";

/**
 * What a node's type does not say, in words for the comment after it: bounds, formats, patterns,
 * coercion, and the marks of code the form only names (PROTOCOL.md 7.2). An integer's safe range
 * (what `z.int()` always has) is not worth a word and is left out.
 *
 * @example
 * ```ts
 * constraintsOf({ type: "string", minLength: 1, maxLength: 50 }); // ["1..50 chars"]
 * ```
 */
export function constraintsOf(node: CanonicalNode): string[] {
  const notes: string[] = [];
  const add = (note: string | undefined) => note && notes.push(note);
  switch (node.type) {
    case "string":
      add(range(node.minLength, node.maxLength, "chars"));
      for (const format of node.formats ?? []) add(formatText(format));
      for (const pattern of node.patterns ?? []) add(patternText(pattern));
      break;
    case "number":
    case "integer": {
      if (node.type === "integer") add("int");
      const safe = node.type === "integer" ? Number.MAX_SAFE_INTEGER : Number.POSITIVE_INFINITY;
      add(bounds(node, (v) => String(v), safe));
      for (const divisor of node.multipleOf ?? []) add(`multiple of ${divisor}`);
      break;
    }
    case "date":
      add(bounds(node, (ms) => new Date(ms).toISOString(), Number.POSITIVE_INFINITY));
      add("ISO 8601 text on the wire");
      break;
    case "bigint":
      add(node.values?.map((v) => `${v}n`).join(" | "));
      add(bounds(node, (v) => `${v}n`, Number.POSITIVE_INFINITY));
      break;
    case "array":
      add(range(node.minItems, node.maxItems, "items"));
      break;
    case "map":
    case "set":
    case "file":
      add(range(node.minSize, node.maxSize, node.type === "file" ? "bytes" : "entries"));
      if (node.type === "file" && node.mime) add(node.mime.join(" | "));
      break;
    case "union":
      if (node.discriminator !== undefined) add(`by ${node.discriminator}`);
      if (node.exclusive) add("exactly one");
      break;
    case "nan":
      add("NaN");
      break;
    case "default":
    case "prefault":
    case "catch":
      add(
        node.type === "catch"
          ? "catch: the receiver replaces a bad value"
          : `${node.type}: the receiver fills it in`,
      );
      break;
    case "success":
      add("whether the value matches");
      break;
    case "pipe":
      if (node.out.type === "transform") add("transformed by the receiver");
      else add(node.in.type === "transform" ? "converted by the receiver" : "then checked further");
      break;
    case "codec":
      add("decoded by the receiver");
      break;
    case "custom":
      add("custom check");
      break;
    case "transform":
      add("any value (a transform)");
      break;
    default:
  }
  if ("coerce" in node && node.coerce) add("coerced");
  if (node.refinements) add(`+${node.refinements} refinement${node.refinements > 1 ? "s" : ""}`);
  if (node.overwrites) add(`+${node.overwrites} overwrite${node.overwrites > 1 ? "s" : ""}`);
  return notes;
}

/** `1..50 chars`, `>= 1 chars`, `<= 50 chars`, `exactly 4 chars`. */
function range(min: number | undefined, max: number | undefined, unit: string): string | undefined {
  if (min !== undefined && max !== undefined) {
    return min === max ? `exactly ${min} ${unit}` : `${min}..${max} ${unit}`;
  }
  if (min !== undefined) return `>= ${min} ${unit}`;
  return max === undefined ? undefined : `<= ${max} ${unit}`;
}

interface Bounds<T> {
  minimum?: T;
  exclusiveMinimum?: T;
  maximum?: T;
  exclusiveMaximum?: T;
}

/** `0..9`, `> 0`, `>= 1, < 10`; a bound at ±`safe` (an integer's own range) is left out. */
function bounds<T>(node: Bounds<T>, text: (value: T) => string, safe: number): string | undefined {
  const low =
    node.minimum !== undefined && Number(node.minimum) !== -safe ? node.minimum : undefined;
  const high =
    node.maximum !== undefined && Number(node.maximum) !== safe ? node.maximum : undefined;
  if (low !== undefined && high !== undefined) return `${text(low)}..${text(high)}`;
  const parts: string[] = [];
  if (low !== undefined) parts.push(`>= ${text(low)}`);
  if (node.exclusiveMinimum !== undefined) parts.push(`> ${text(node.exclusiveMinimum)}`);
  if (high !== undefined) parts.push(`<= ${text(high)}`);
  if (node.exclusiveMaximum !== undefined) parts.push(`< ${text(node.exclusiveMaximum)}`);
  return parts.length === 0 ? undefined : parts.join(", ");
}

/** `email`, `uuid v4`, `starts with "id-"`, `datetime (offset)`. */
function formatText(format: FormatForm): string {
  const { name, ...options } = format;
  if (name === "starts_with" || name === "ends_with" || name === "includes") {
    return `${name.replace("_", " ")} ${JSON.stringify(options.value)}`;
  }
  const shown = Object.entries(options)
    .filter(([, value]) => value !== false && value !== null && value !== undefined)
    .map(([key, value]) =>
      value === true
        ? key
        : typeof value === "object"
          ? `${key} ${patternText(value as PatternForm)}`
          : `${key} ${String(value)}`,
    );
  return shown.length === 0 ? name : `${name} (${shown.join(", ")})`;
}

function patternText(pattern: PatternForm): string {
  return `/${pattern.source}/${pattern.flags}`;
}
