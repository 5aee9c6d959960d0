/**
 * The canonical form of a schema (PROTOCOL.md section 7.3): a JSON value that says what a schema
 * accepts and what its sender writes, in terms any language can compute. These are its types;
 * `schema-form.ts` builds it from zod, `validate-form.ts` checks one that came from elsewhere.
 */

/**
 * Version of the canonical form's rules, carried in every contract form as `form`. A change of
 * the rules that changes any form gets a new version; forms of another version are refused.
 *
 * @example
 * ```ts
 * if (remoteForm.form !== CANONICAL_FORM_VERSION) fallBackToFingerprint();
 * ```
 */
export const CANONICAL_FORM_VERSION = 1;

/** Members any node may carry: marks for behaviour that cannot be read from structure. */
export interface NodeMarks {
  /** Number of refinements (`refine`, `superRefine`, custom checks): opaque predicates. */
  readonly refinements?: number;
  /** Number of `overwrite` checks (`trim`, `toLowerCase`, `overwrite(fn)`): they change the value. */
  readonly overwrites?: number;
  /** Definitions of recursive schemas, on the root node of a schema's form only. */
  readonly $defs?: Readonly<Record<string, CanonicalNode>>;
}

/** A regular expression as its ECMAScript source and flags. */
export interface PatternForm {
  readonly source: string;
  readonly flags: string;
}

/** A named string format (`email`, `uuid`, `datetime`...) with the options it was given. */
export interface FormatForm {
  readonly name: string;
  readonly [option: string]: unknown;
}

/** A JSON scalar: what an enum or literal may hold on the wire. */
export type Scalar = string | number | boolean | null;

interface Leaf<T extends string> extends NodeMarks {
  readonly type: T;
}
interface Wrapper<T extends string> extends NodeMarks {
  readonly type: T;
  readonly of: CanonicalNode;
}

export type AnyNode = Leaf<"any">;
export type UnknownNode = Leaf<"unknown">;
/** `z.undefined()`, `z.void()`: no value (the empty payload, an absent key). */
export type UndefinedNode = Leaf<"undefined">;
export type NullNode = Leaf<"null">;
export type NeverNode = Leaf<"never">;
export interface BooleanNode extends Leaf<"boolean"> {
  readonly coerce?: true;
}
export interface StringNode extends Leaf<"string"> {
  readonly minLength?: number;
  readonly maxLength?: number;
  readonly formats?: readonly FormatForm[];
  readonly patterns?: readonly PatternForm[];
  readonly coerce?: true;
}
/** Numbers (`type` "number") and integers (`type` "integer"); at most one bound per side. */
export interface NumberNode extends NodeMarks {
  readonly type: "number" | "integer";
  readonly minimum?: number;
  readonly exclusiveMinimum?: number;
  readonly maximum?: number;
  readonly exclusiveMaximum?: number;
  readonly multipleOf?: readonly number[];
  readonly coerce?: true;
}
/** Enums and literals: the JSON scalars accepted, sorted by their canonical text. */
export interface EnumNode extends Leaf<"enum"> {
  readonly values: readonly Scalar[];
}
export type UnknownKeys = "strip" | "strict" | "loose" | "catchall";
export interface ObjectNode extends Leaf<"object"> {
  readonly properties: Readonly<Record<string, CanonicalNode>>;
  /** Keys a receiver requires (sorted); every other declared key may be absent. */
  readonly required: readonly string[];
  readonly unknownKeys: UnknownKeys;
  /** The schema of undeclared keys' values, with `unknownKeys` "catchall" only. */
  readonly catchall?: CanonicalNode;
}
export interface ArrayNode extends Leaf<"array"> {
  readonly items: CanonicalNode;
  readonly minItems?: number;
  readonly maxItems?: number;
}
export interface TupleNode extends Leaf<"tuple"> {
  readonly items: readonly CanonicalNode[];
  /** Items a receiver requires: the ones before the trailing optional items. */
  readonly minItems: number;
  readonly rest?: CanonicalNode;
}
export interface RecordNode extends Leaf<"record"> {
  readonly key: CanonicalNode;
  readonly value: CanonicalNode;
  /** With an enum key: keys may be missing (otherwise every enum key is required). */
  readonly partial?: true;
  /** Keys the key schema refuses pass through unchecked instead of failing. */
  readonly looseKeys?: true;
}
export interface UnionNode extends Leaf<"union"> {
  readonly anyOf: readonly CanonicalNode[];
  readonly discriminator?: string;
  /** Exactly one option must match (`z.xor`). */
  readonly exclusive?: true;
}
export interface IntersectionNode extends Leaf<"intersection"> {
  readonly allOf: readonly [CanonicalNode, CanonicalNode];
}
export type OptionalNode = Wrapper<"optional">;
export type NullableNode = Wrapper<"nullable">;
/** A default: absent input is replaced by a value (not part of the form); output always present. */
export type DefaultNode = Wrapper<"default">;
/** Like `default`, but the replacement is parsed by the inner schema. */
export type PrefaultNode = Wrapper<"prefault">;
/** Any input that fails is replaced by a value (not part of the form). */
export type CatchNode = Wrapper<"catch">;
export type NonOptionalNode = Wrapper<"nonoptional">;
export type PromiseNode = Wrapper<"promise">;
/** `z.success(x)`: true when `x` accepts the input; a transform. */
export type SuccessNode = Wrapper<"success">;
/** Two schemas in sequence (`.pipe()`, `.transform()`, `z.preprocess`): `in` parses, `out` parses its output. */
export interface PipeNode extends Leaf<"pipe"> {
  readonly in: CanonicalNode;
  readonly out: CanonicalNode;
}
/** `z.codec(in, out, ...)`: decodes `in` to `out` with functions. */
export interface CodecNode extends Leaf<"codec"> {
  readonly in: CanonicalNode;
  readonly out: CanonicalNode;
}
/** A transform function: accepts anything, outputs what the function returns. */
export type TransformNode = Leaf<"transform">;
export interface TemplateLiteralNode extends Leaf<"template_literal"> {
  /** Literal text (strings) and schema parts (nodes), in order. */
  readonly parts: readonly (string | CanonicalNode)[];
}
export interface DateNode extends Leaf<"date"> {
  readonly minimum?: number;
  readonly exclusiveMinimum?: number;
  readonly maximum?: number;
  readonly exclusiveMaximum?: number;
  readonly coerce?: true;
}
/** Bounds and divisors are decimal strings (a bigint has no JSON number form). */
export interface BigIntNode extends Leaf<"bigint"> {
  readonly minimum?: string;
  readonly exclusiveMinimum?: string;
  readonly maximum?: string;
  readonly exclusiveMaximum?: string;
  readonly multipleOf?: readonly string[];
  readonly values?: readonly string[];
  readonly coerce?: true;
}
export interface MapNode extends Leaf<"map"> {
  readonly key: CanonicalNode;
  readonly value: CanonicalNode;
  readonly minSize?: number;
  readonly maxSize?: number;
}
export interface SetNode extends Leaf<"set"> {
  readonly items: CanonicalNode;
  readonly minSize?: number;
  readonly maxSize?: number;
}
export interface FileNode extends Leaf<"file"> {
  readonly minSize?: number;
  readonly maxSize?: number;
  readonly mime?: readonly string[];
}
export type SymbolNode = Leaf<"symbol">;
export type NanNode = Leaf<"nan">;
export type FunctionNode = Leaf<"function">;
/** `z.custom()`, `z.instanceof()`: a predicate only. */
export type CustomNode = Leaf<"custom">;
/** A reference to a recursive schema's definition in the root's `$defs`. */
export interface RefNode extends NodeMarks {
  readonly type?: undefined;
  readonly $ref: string;
}

/** One node of the canonical form. */
export type CanonicalNode =
  | AnyNode
  | UnknownNode
  | UndefinedNode
  | NullNode
  | NeverNode
  | BooleanNode
  | StringNode
  | NumberNode
  | EnumNode
  | ObjectNode
  | ArrayNode
  | TupleNode
  | RecordNode
  | UnionNode
  | IntersectionNode
  | OptionalNode
  | NullableNode
  | DefaultNode
  | PrefaultNode
  | CatchNode
  | NonOptionalNode
  | PromiseNode
  | SuccessNode
  | PipeNode
  | CodecNode
  | TransformNode
  | TemplateLiteralNode
  | DateNode
  | BigIntNode
  | MapNode
  | SetNode
  | FileNode
  | SymbolNode
  | NanNode
  | FunctionNode
  | CustomNode
  | RefNode;

/** Every `type` a node may have. */
export type NodeType = Exclude<CanonicalNode["type"], undefined>;

/** A request's two schemas. */
export interface CanonicalRequest {
  readonly input: CanonicalNode;
  readonly output: CanonicalNode;
}

/**
 * A stream's schemas (PROTOCOL.md 7.3): what its opener sends to open it (`input`), the items the
 * responder sends (`item`), the items the opener sends (`send`), and the value the responder ends
 * it with (`result`). Each member but `input` is present exactly when declared; a stream has
 * `item`, `send` or both, and one without `result` ends with no value.
 */
export interface CanonicalStream {
  readonly input: CanonicalNode;
  readonly item?: CanonicalNode;
  readonly send?: CanonicalNode;
  readonly result?: CanonicalNode;
}

/** One message's form: an event's node, a request's pair, a stream's schemas, or the credentials' node. */
export type CanonicalMessage = CanonicalNode | CanonicalRequest | CanonicalStream;

/**
 * The messages one side sends. `events` and `requests` are always present; `streams` (the streams
 * this side opens) only when it declares at least one, so a contract without streams has the form
 * (and the digests) it had before streams existed.
 */
export interface CanonicalDirection {
  readonly events: Readonly<Record<string, CanonicalNode>>;
  readonly requests: Readonly<Record<string, CanonicalRequest>>;
  readonly streams?: Readonly<Record<string, CanonicalStream>>;
}

/** The canonical form of a whole contract (PROTOCOL.md section 7.3). */
export interface CanonicalContract {
  /** {@link CANONICAL_FORM_VERSION} of the rules it was built with. */
  readonly form: number;
  readonly name: string;
  readonly credentials: CanonicalNode | null;
  readonly client: CanonicalDirection;
  readonly server: CanonicalDirection;
}

/** The tables of a direction: the second part of a message key. */
export type DirectionTable = "events" | "requests" | "streams";

/**
 * A message's stable key: `client.events.say`, `server.requests.whoami`, `client.streams.tail`,
 * or `credentials` for the hello's credentials (which the client sends). A stream's key names the
 * side that opens it.
 */
export type MessageKey = `${"client" | "server"}.${DirectionTable}.${string}` | "credentials";
