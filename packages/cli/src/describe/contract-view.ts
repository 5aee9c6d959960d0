import {
  type CanonicalContract,
  type CanonicalNode,
  type CanonicalRequest,
  contractDigest,
} from "@sockwire/protocol";
import { typeText } from "./type-view.js";

/**
 * A contract form as people read it (`sockwire describe`): a heading with the contract's name and
 * digest, then one section per kind of message, each message with its TypeScript-like type:
 *
 * ```
 * contract chat (digest 51625841e976afa061bc2f8740a7796c)
 *
 * client requests (sockwire call)
 *   join(input: { room: string }): { members: number }
 * ```
 */

/** The sections in the order they are printed, with the command that uses each. */
const SECTIONS = [
  ["client", "events", "client events (the client sends them: sockwire emit)"],
  ["client", "requests", "client requests (the client calls them: sockwire call)"],
  ["server", "events", "server events (the server sends them: sockwire tail)"],
  ["server", "requests", "server requests (the server calls them on the client)"],
] as const;

/** One message of a form, found by name or key. */
export interface FoundMessage {
  /** `client.requests.join`, or `credentials`. */
  readonly key: string;
  readonly form: CanonicalNode | CanonicalRequest;
}

/**
 * The whole contract as text, or only `messages` of it.
 *
 * @example
 * ```ts
 * io.out(contractText(form));
 * ```
 */
export function contractText(form: CanonicalContract, only?: readonly FoundMessage[]): string {
  const lines = [`contract ${form.name} (digest ${contractDigest(form)})`];
  const wanted = only && new Set(only.map((m) => m.key));
  if (form.credentials !== null && (wanted === undefined || wanted.has("credentials"))) {
    lines.push("", "credentials (sent in the hello)", `  ${typeText(form.credentials, 1)}`);
  }
  for (const [side, table, title] of SECTIONS) {
    const entries = Object.entries(form[side][table]).filter(
      ([name]) => wanted === undefined || wanted.has(`${side}.${table}.${name}`),
    );
    if (entries.length === 0) continue;
    lines.push("", title);
    for (const [name, message] of entries) {
      lines.push(
        `  ${table === "events" ? eventLine(name, message as CanonicalNode) : requestLine(name, message as CanonicalRequest)}`,
      );
    }
  }
  return `${lines.join("\n")}\n`;
}

function eventLine(name: string, node: CanonicalNode): string {
  return `${name}: ${typeText(node, 1)}`;
}

function requestLine(name: string, request: CanonicalRequest): string {
  const input = request.input.type === "undefined" ? "" : `input: ${typeText(request.input, 1)}`;
  return `${name}(${input}): ${typeText(request.output, 1)}`;
}

/**
 * The messages `name` names: a message key (`client.requests.join`), `credentials`, or a bare
 * name, which may be a message on both sides.
 */
export function findMessages(form: CanonicalContract, name: string): FoundMessage[] {
  if (name === "credentials")
    return form.credentials === null ? [] : [{ key: name, form: form.credentials }];
  const found: FoundMessage[] = [];
  for (const [side, table] of SECTIONS) {
    const messages = form[side][table] as Record<string, CanonicalNode | CanonicalRequest>;
    for (const [message, value] of Object.entries(messages)) {
      const key = `${side}.${table}.${message}`;
      if (message === name || key === name) found.push({ key, form: value });
    }
  }
  return found;
}

/**
 * One message as JSON (`describe NAME --json`): its key, kind, the side that sends it, and its
 * canonical form (`schema` for an event or the credentials, `input` and `output` for a request).
 */
export function messageJson({ key, form }: FoundMessage): Record<string, unknown> {
  if (key === "credentials") return { key, kind: "credentials", sender: "client", schema: form };
  const [sender, table] = key.split(".") as [string, string];
  return table === "requests"
    ? { key, kind: "request", sender, ...(form as CanonicalRequest) }
    : { key, kind: "event", sender, schema: form };
}
