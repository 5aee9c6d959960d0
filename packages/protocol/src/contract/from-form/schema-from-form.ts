import { z } from "zod";
import type {
  CanonicalNode,
  FileNode,
  MapNode,
  ObjectNode,
  RecordNode,
  RefNode,
  SetNode,
  TemplateLiteralNode,
  TupleNode,
  UnionNode,
} from "../canonical/node-types.js";
import { validateCanonicalNode } from "../canonical/validate-form.js";
import { notExpressible } from "./not-expressible.js";
import { bigintFromForm, dateFromForm, enumFromForm, numberFromForm } from "./scalar-from-form.js";
import {
  catchStandIn,
  defaultStandIn,
  inSideOnly,
  keepingOverwrite,
  keepingTransform,
  leaveMissing,
  passingRefinement,
  prefaultStandIn,
} from "./stand-ins.js";
import { stringFromForm } from "./string-from-form.js";

/**
 * Canonical form → zod schema, the inverse of `canonicalSchema` (PROTOCOL.md 7.2): for a form
 * `canonicalSchema` wrote, `canonicalSchema(schemaFromForm(form))` is that form again, so a
 * contract rebuilt from a peer's form has the peer's digest. Each node kind is built with the zod
 * construct the form's table names; recursion (`$defs`/`$ref`) becomes one `z.lazy()` per
 * definition, which the canonical walk numbers as the original's were numbered. Code the form can
 * only name (refinements, transforms, default values...) becomes a stand-in (stand-ins.ts).
 */

/**
 * A zod schema whose canonical form is `form`: it accepts what the form's structure allows, and
 * where the form names code (refinements, overwrites, transforms, codecs) or a value it does not
 * carry (defaults, prefaults, catches), it leaves the decision to the peer that has them (see
 * the README's "Schemas from forms"). Values it accepts are written as a sender of the original
 * schema writes them, except that no default is filled in.
 *
 * @throws `ERR_INVALID_ARGUMENT` for a value that is not a valid form, or a node no zod schema
 * has (`details.path` names it).
 *
 * @example
 * ```ts
 * const say = schemaFromForm({ type: "object", unknownKeys: "strip", required: ["text"],
 *   properties: { text: { type: "string", maxLength: 1000 } } });
 * say.safeParse({ text: "hi" }).success; // true
 * ```
 */
export function schemaFromForm(form: unknown): z.ZodType {
  const root = validateCanonicalNode(form);
  return new FormBuilder(root.$defs ?? {}).root(root);
}

type Node = Exclude<CanonicalNode, RefNode>;

class FormBuilder {
  /** One lazy schema per definition: every reference to it is this same object. */
  private readonly lazies = new Map<string, z.ZodType>();
  private readonly built = new Map<string, z.ZodType>();

  constructor(private readonly defs: Readonly<Record<string, CanonicalNode>>) {
    for (const name of Object.keys(defs)) {
      this.lazies.set(
        name,
        z.lazy(() => this.built.get(name) as z.ZodType),
      );
    }
  }

  root(root: CanonicalNode): z.ZodType {
    // Definitions are built first, so that a bad one fails here rather than at first use.
    for (const [name, def] of Object.entries(this.defs)) {
      this.built.set(name, this.node(def, `$defs.${name}`));
    }
    const { $defs: _defs, ...node } = root;
    return this.node(node as CanonicalNode, "");
  }

  /** The schema of any node, marks and stand-ins included. */
  node(node: CanonicalNode, path: string): z.ZodType {
    let schema: z.ZodType;
    if (node.type === undefined) {
      // A reference with marks counts them on a transparent wrapper around the definition.
      const target = this.lazies.get(node.$ref) as z.ZodType;
      schema = node.refinements || node.overwrites ? z.lazy(() => target) : target;
    } else {
      schema = this.kind(node, path);
    }
    for (let i = 0; i < (node.refinements ?? 0); i++) schema = passingRefinement(schema);
    for (let i = 0; i < (node.overwrites ?? 0); i++) schema = keepingOverwrite(schema);
    // Stand-ins that replace a parse step come last: adding a check clones a schema.
    if (node.type === "default" || node.type === "prefault") return leaveMissing(schema);
    if (node.type === "codec" || (node.type === "pipe" && this.changesValues(node.in))) {
      return inSideOnly(schema);
    }
    return schema;
  }

  /**
   * The node's own kind, without marks. One case per node type, in one switch on purpose: it is
   * the table of PROTOCOL.md 7.2 read backwards, and reads best whole.
   */
  private kind(node: Node, path: string): z.ZodType {
    const child = (of: CanonicalNode, member: string) => this.node(of, `${path}.${member}`);
    switch (node.type) {
      case "any":
        return z.any();
      case "unknown":
        return z.unknown();
      case "undefined":
        return z.undefined();
      case "null":
        return z.null();
      case "never":
        return z.never();
      case "symbol":
        return z.symbol();
      case "nan":
        return z.nan();
      case "function":
        return z.function() as unknown as z.ZodType;
      case "custom":
        return z.custom();
      case "transform":
        return keepingTransform();
      case "boolean":
        return node.coerce ? z.coerce.boolean() : z.boolean();
      case "string":
        return stringFromForm(node, path);
      case "number":
      case "integer":
        return numberFromForm(node);
      case "date":
        return dateFromForm(node);
      case "bigint":
        return bigintFromForm(node, path);
      case "enum":
        return enumFromForm(node, path);
      case "object":
        return this.object(node, path);
      case "array": {
        let array = z.array(child(node.items, "items"));
        if (node.minItems !== undefined) array = array.min(node.minItems);
        if (node.maxItems !== undefined) array = array.max(node.maxItems);
        return array;
      }
      case "tuple":
        return this.tuple(node, path);
      case "record":
        return this.record(node, path);
      case "map":
        return sized(z.map(child(node.key, "key"), child(node.value, "value")), node);
      case "set":
        return sized(z.set(child(node.items, "items")), node);
      case "file":
        return this.file(node);
      case "union":
        return this.union(node, path);
      case "intersection":
        return z.intersection(child(node.allOf[0], "allOf[0]"), child(node.allOf[1], "allOf[1]"));
      case "optional":
        return child(node.of, "of").optional();
      case "nullable":
        return child(node.of, "of").nullable();
      case "default":
        return defaultStandIn(child(node.of, "of"));
      case "prefault":
        return prefaultStandIn(child(node.of, "of"));
      case "catch":
        return catchStandIn(child(node.of, "of"));
      case "nonoptional":
        return child(node.of, "of").nonoptional();
      case "promise":
        return z.promise(child(node.of, "of"));
      case "success":
        return z.success(child(node.of, "of"));
      case "pipe": {
        const out = child(node.out, "out");
        // z.preprocess is zod's own name for a pipe that starts with a function.
        if (node.in.type === "transform" && !node.in.refinements && !node.in.overwrites) {
          return z.preprocess((value) => value, out);
        }
        return z.pipe(child(node.in, "in"), out);
      }
      case "codec":
        return z.codec(child(node.in, "in"), child(node.out, "out"), {
          decode: (value) => value as never,
          encode: (value) => value as never,
        });
      case "template_literal":
        return this.template(node, path);
    }
  }

  private object(node: ObjectNode, path: string): z.ZodType {
    const shape: Record<string, z.ZodType> = {};
    for (const [key, value] of Object.entries(node.properties)) {
      // defineProperty: a key named __proto__ must become an own member, not the prototype.
      Object.defineProperty(shape, key, {
        value: this.node(value, `${path}.${key}`),
        enumerable: true,
        writable: true,
        configurable: true,
      });
    }
    switch (node.unknownKeys) {
      case "strict":
        return z.strictObject(shape);
      case "loose":
        return z.looseObject(shape);
      case "catchall":
        return z.object(shape).catchall(this.node(node.catchall as CanonicalNode, `${path}.*`));
      default:
        return z.object(shape);
    }
  }

  private tuple(node: TupleNode, path: string): z.ZodType {
    const items = node.items.map((item, i) => this.node(item, `${path}[${i}]`)) as [z.ZodType];
    return node.rest === undefined
      ? z.tuple(items)
      : z.tuple(items, this.node(node.rest, `${path}.rest`));
  }

  private record(node: RecordNode, path: string): z.ZodType {
    return new z.ZodRecord({
      type: "record",
      keyType: this.node(node.key, `${path}.key`) as z.core.$ZodRecordKey,
      valueType: this.node(node.value, `${path}.value`),
      ...(node.partial ? { partial: true } : {}),
      ...(node.looseKeys ? { mode: "loose" } : {}),
    } as z.core.$ZodRecordDef);
  }

  private file(node: FileNode): z.ZodType {
    const file = sized(z.file(), node);
    return node.mime === undefined ? file : file.mime(node.mime as string[]);
  }

  private union(node: UnionNode, path: string): z.ZodType {
    const options = node.anyOf.map((o, i) => this.node(o, `${path}.anyOf[${i}]`)) as [z.ZodType];
    if (node.discriminator !== undefined && node.exclusive) {
      throw notExpressible(path, "a union both discriminated and exclusive has no zod form");
    }
    try {
      if (node.exclusive) return z.xor(options);
      if (node.discriminator === undefined) return z.union(options);
      return z.discriminatedUnion(node.discriminator, options as never);
    } catch (error) {
      throw notExpressible(path, `zod refuses this union: ${String(error)}`, error);
    }
  }

  private template(node: TemplateLiteralNode, path: string): z.ZodType {
    const parts = node.parts.map((part, i) =>
      typeof part === "string" ? part : this.node(part, `${path}.parts[${i}]`),
    );
    try {
      return z.templateLiteral(parts as never);
    } catch (error) {
      throw notExpressible(path, `zod refuses this template literal: ${String(error)}`, error);
    }
  }

  /**
   * True when a node's output may differ from its input in a way only the peer's code decides
   * (a transform, a codec, an overwrite, a filled-in default or caught value): a pipe that starts
   * with such a node cannot run its `out` schema here.
   */
  private changesValues(root: CanonicalNode): boolean {
    const seen = new Set<string>();
    const stack: unknown[] = [root];
    while (stack.length > 0) {
      const item = stack.pop();
      if (typeof item !== "object" || item === null) continue;
      const node = item as Record<string, unknown>;
      if (typeof node.$ref === "string" && !seen.has(node.$ref)) {
        seen.add(node.$ref);
        stack.push(this.defs[node.$ref]);
      }
      if (typeof node.type === "string" && CHANGING.has(node.type)) return true;
      if (typeof node.overwrites === "number" && node.overwrites > 0) return true;
      for (const member of Object.values(node)) stack.push(member);
    }
    return false;
  }
}

const CHANGING: ReadonlySet<string> = new Set([
  "transform",
  "codec",
  "success",
  "promise",
  "function",
  "default",
  "prefault",
  "catch",
]);

/** Adds `minSize`/`maxSize` to a map, set or file. */
function sized<S extends z.ZodType>(schema: S, node: MapNode | SetNode | FileNode): S {
  const checks: z.core.$ZodCheck[] = [];
  if (node.minSize !== undefined) checks.push(z.minSize(node.minSize) as z.core.$ZodCheck);
  if (node.maxSize !== undefined) checks.push(z.maxSize(node.maxSize) as z.core.$ZodCheck);
  return (checks.length === 0 ? schema : schema.check(...(checks as never[]))) as S;
}
