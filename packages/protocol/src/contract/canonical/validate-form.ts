import { ErrorCode } from "../../errors/codes.js";
import { SockwireError } from "../../errors/sockwire-error.js";
import { CONTRACT_NAME_PATTERN, MESSAGE_NAME_PATTERN } from "../define-contract.js";
import { MARKS, MEMBERS, type Member, REQUIRED, VALUE_TESTS } from "./form-members.js";
import {
  CANONICAL_FORM_VERSION,
  type CanonicalContract,
  type CanonicalNode,
  type CanonicalStream,
  type NodeType,
} from "./node-types.js";

/**
 * Checks a canonical form that came from outside this process (a peer's handshake, a snapshot
 * file) before anything relies on it. Strict: an unknown node type or member is refused rather
 * than skipped, because the checker must never ignore a constraint it does not understand (that
 * would make it say "compatible" wrongly). Bounded: depth and node count are capped, every `$ref`
 * must name a definition, and definitions may not refer to each other in a loop with no node in
 * between.
 */

const MAX_DEPTH = 256;
const MAX_NODES = 200_000;

/**
 * Returns `value` typed as a canonical contract form after checking every part of it: the
 * members of the form and of each direction (`events`, `requests`, and `streams` when present and
 * not empty), each message's name and form (PROTOCOL.md 7.3).
 *
 * @throws `ERR_INVALID_ARGUMENT` naming the first problem found.
 *
 * @example
 * ```ts
 * const remote = validateCanonicalContract(JSON.parse(text));
 * ```
 */
export function validateCanonicalContract(value: unknown): CanonicalContract {
  const form = record(value, "contract form");
  exactMembers(form, ["form", "name", "credentials", "client", "server"], "contract form");
  if (form.form !== CANONICAL_FORM_VERSION) {
    throw invalid(
      `contract form version ${String(form.form)} is not supported (only ${CANONICAL_FORM_VERSION})`,
    );
  }
  if (typeof form.name !== "string" || !CONTRACT_NAME_PATTERN.test(form.name)) {
    throw invalid("contract form: invalid name");
  }
  if (form.credentials !== null) validateCanonicalNode(form.credentials, "credentials");
  for (const side of ["client", "server"] as const) {
    const direction = record(form[side], side);
    const tables = Object.hasOwn(direction, "streams")
      ? ["events", "requests", "streams"]
      : ["events", "requests"];
    exactMembers(direction, tables, side);
    for (const [name, node] of Object.entries(record(direction.events, `${side}.events`))) {
      messageName(name, side);
      validateCanonicalNode(node, `${side}.events.${name}`);
    }
    for (const [name, request] of Object.entries(record(direction.requests, `${side}.requests`))) {
      messageName(name, side);
      const pair = record(request, `${side}.requests.${name}`);
      exactMembers(pair, ["input", "output"], `${side}.requests.${name}`);
      validateCanonicalNode(pair.input, `${side}.requests.${name}.input`);
      validateCanonicalNode(pair.output, `${side}.requests.${name}.output`);
    }
    if (direction.streams === undefined) continue;
    const streams = Object.entries(record(direction.streams, `${side}.streams`));
    // An empty table would give a second text (and digest) for the same contract.
    if (streams.length === 0) throw invalid(`${side}.streams is empty: leave the table out`);
    for (const [name, stream] of streams) {
      messageName(name, side);
      // As defineContract: a name is one message of its direction.
      if (
        Object.hasOwn(direction.events as object, name) ||
        Object.hasOwn(direction.requests as object, name)
      ) {
        throw invalid(`${side}.streams.${name}: the name is already an event or a request`);
      }
      validateCanonicalStream(stream, `${side}.streams.${name}`);
    }
  }
  return value as CanonicalContract;
}

/**
 * Returns `value` typed as the form of one stream after checking it: `input` and any of `item`,
 * `send` and `result`, no other member, and at least one of `item` and `send`; each a valid node.
 *
 * @throws `ERR_INVALID_ARGUMENT` naming the first problem found.
 *
 * @example
 * ```ts
 * validateCanonicalStream({ input: { type: "undefined" }, item: { type: "string" } }, "tail"); // ok
 * validateCanonicalStream({ input: { type: "undefined" } }, "tail"); // throws: no item, no send
 * ```
 */
export function validateCanonicalStream(value: unknown, where = "stream"): CanonicalStream {
  const stream = record(value, where);
  const present = STREAM_MEMBERS.filter((member) => Object.hasOwn(stream, member));
  exactMembers(stream, ["input", ...present.filter((m) => m !== "input")], where);
  if (!present.includes("item") && !present.includes("send")) {
    throw invalid(`${where} has neither "item" nor "send"`);
  }
  for (const member of present) validateCanonicalNode(stream[member], `${where}.${member}`);
  return value as CanonicalStream;
}

const STREAM_MEMBERS = ["input", "item", "send", "result"] as const;

/**
 * Returns `value` typed as the canonical form of one schema (a root node, with its `$defs`) after
 * checking it.
 *
 * @throws `ERR_INVALID_ARGUMENT` naming the first problem found.
 *
 * @example
 * ```ts
 * validateCanonicalNode({ type: "string", maxLength: 5 }, "say"); // ok
 * validateCanonicalNode({ type: "strng" }, "say");                 // throws
 * ```
 */
export function validateCanonicalNode(value: unknown, where = "schema"): CanonicalNode {
  const root = record(value, where);
  const defs = root.$defs === undefined ? {} : record(root.$defs, `${where}.$defs`);
  const walk = new NodeCheck(defs, where);
  for (const [name, def] of Object.entries(defs)) walk.node(def, `$defs.${name}`, 1, false);
  walk.node(root, "", 0, true);
  walk.refLoops();
  return value as CanonicalNode;
}

class NodeCheck {
  private count = 0;

  constructor(
    private readonly defs: Record<string, unknown>,
    private readonly where: string,
  ) {}

  node(value: unknown, path: string, depth: number, isRoot = false): void {
    if (++this.count > MAX_NODES) this.fail(path, `more than ${MAX_NODES} nodes`);
    if (depth > MAX_DEPTH) this.fail(path, `nested deeper than ${MAX_DEPTH}`);
    const node = record(value, this.at(path));
    const allowed: Record<string, Member> = { ...MARKS };
    if (isRoot) allowed.$defs = "true";
    if (typeof node.$ref === "string") {
      if (!Object.hasOwn(this.defs, node.$ref))
        this.fail(path, `$ref "${node.$ref}" is not defined`);
      allowed.$ref = "string";
    } else {
      const type = node.type as NodeType;
      const members = typeof type === "string" ? MEMBERS[type] : undefined;
      if (members === undefined || !Object.hasOwn(MEMBERS, type))
        this.fail(path, `unknown node type ${String(node.type)}`);
      Object.assign(allowed, members, { type: "string" });
      for (const member of REQUIRED[type] ?? []) {
        if (node[member] === undefined) this.fail(path, `${type} without "${member}"`);
      }
      this.rules(node, type, path);
    }
    for (const [member, item] of Object.entries(node)) {
      const kind = allowed[member];
      if (kind === undefined) this.fail(path, `unknown member "${member}"`);
      if (member !== "$defs") this.member(kind as Member, item, `${path}.${member}`, depth);
    }
  }

  /** Checks one member's value against its kind; children are walked. */
  private member(kind: Member, value: unknown, path: string, depth: number): void {
    if (kind === "node") {
      this.node(value, path, depth + 1);
    } else if (kind === "nodes" || kind === "pair" || kind === "parts") {
      if (!Array.isArray(value) || (kind === "pair" && value.length !== 2))
        this.fail(path, `must be ${kind}`);
      (value as unknown[]).forEach((item, i) => {
        if (kind !== "parts" || typeof item !== "string")
          this.node(item, `${path}[${i}]`, depth + 1);
      });
    } else if (kind === "nodeMap") {
      for (const [key, item] of Object.entries(record(value, this.at(path)))) {
        this.node(item, `${path}.${key}`, depth + 1);
      }
    } else if (!VALUE_TESTS[kind](value)) {
      this.fail(path, `must be ${kind}`);
    }
  }

  /** Rules that tie members together. */
  private rules(node: Record<string, unknown>, type: NodeType, path: string): void {
    if (node.minimum !== undefined && node.exclusiveMinimum !== undefined)
      this.fail(path, "two lower bounds");
    if (node.maximum !== undefined && node.exclusiveMaximum !== undefined)
      this.fail(path, "two upper bounds");
    if (type === "object") {
      const keys = Object.keys(record(node.properties, this.at(path)));
      const required = node.required as unknown[];
      if (
        !Array.isArray(required) ||
        !required.every((k) => typeof k === "string" && keys.includes(k))
      ) {
        this.fail(path, "required names a key that is not a property");
      }
      if ((node.unknownKeys === "catchall") !== (node.catchall !== undefined)) {
        this.fail(path, 'catchall goes with unknownKeys "catchall" and only with it');
      }
    }
    if (
      type === "tuple" &&
      Array.isArray(node.items) &&
      (node.minItems as number) > node.items.length
    ) {
      this.fail(path, "minItems exceeds the items");
    }
    if (type === "string") {
      for (const pattern of (node.patterns ?? []) as Record<string, unknown>[]) {
        if (typeof pattern.source !== "string" || typeof pattern.flags !== "string")
          this.fail(path, "a pattern needs source and flags");
      }
      for (const format of (node.formats ?? []) as Record<string, unknown>[]) {
        if (typeof format.name !== "string") this.fail(path, "a format needs a name");
      }
    }
  }

  /** A definition that is only a reference must not lead back to itself through references. */
  refLoops(): void {
    for (const start of Object.keys(this.defs)) {
      const seen = new Set<string>();
      let name: string | undefined = start;
      while (name !== undefined) {
        if (seen.has(name))
          this.fail(`$defs.${start}`, "definitions refer to each other in a loop");
        seen.add(name);
        const def = this.defs[name] as { $ref?: unknown };
        name = typeof def.$ref === "string" ? def.$ref : undefined;
      }
    }
  }

  private at(path: string): string {
    return path === "" ? this.where : `${this.where}${path.startsWith("$") ? "." : ""}${path}`;
  }

  private fail(path: string, problem: string): never {
    throw invalid(`canonical form ${this.at(path)}: ${problem}`);
  }
}

function record(value: unknown, what: string): Record<string, unknown> {
  if (typeof value !== "object" || value === null || Array.isArray(value)) {
    throw invalid(`${what} must be a JSON object`);
  }
  return value as Record<string, unknown>;
}

function exactMembers(
  value: Record<string, unknown>,
  members: readonly string[],
  what: string,
): void {
  for (const member of members) {
    if (!Object.hasOwn(value, member)) throw invalid(`${what} lacks "${member}"`);
  }
  for (const member of Object.keys(value)) {
    if (!members.includes(member)) throw invalid(`${what} has an unknown member "${member}"`);
  }
}

function messageName(name: string, side: string): void {
  if (!MESSAGE_NAME_PATTERN.test(name))
    throw invalid(`${side}: invalid message name ${JSON.stringify(name)}`);
}

function invalid(message: string): SockwireError {
  return new SockwireError(ErrorCode.INVALID_ARGUMENT, message);
}
