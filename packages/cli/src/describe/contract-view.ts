import {
  type CanonicalContract,
  type CanonicalMessage,
  type CanonicalNode,
  type CanonicalRequest,
  type CanonicalStream,
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
 *
 * client streams (the client opens them)
 *   tail(input: { service: string }): stream of { at: number; line: string }
 * ```
 */

/** The sections in the order they are printed, with the command that uses each. */
const SECTIONS = [
  ["client", "events", "client events (the client sends them: sockwire emit)"],
  ["client", "requests", "client requests (the client calls them: sockwire call)"],
  ["server", "events", "server events (the server sends them: sockwire tail)"],
  ["server", "requests", "server requests (the server calls them on the client)"],
  ["client", "streams", "client streams (the client opens them)"],
  ["server", "streams", "server streams (the server opens them on the client)"],
] as const;

/** One message of a form, found by name or key. */
export interface FoundMessage {
  /** `client.requests.join`, or `credentials`. */
  readonly key: string;
  readonly form: CanonicalMessage;
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
    const entries = Object.entries(form[side][table] ?? {}).filter(
      ([name]) => wanted === undefined || wanted.has(`${side}.${table}.${name}`),
    );
    if (entries.length === 0) continue;
    lines.push("", title);
    for (const [name, message] of entries) {
      lines.push(`  ${messageLine(table, name, message)}`);
    }
  }
  return `${lines.join("\n")}\n`;
}

function messageLine(table: string, name: string, message: CanonicalMessage): string {
  if (table === "events") return eventLine(name, message as CanonicalNode);
  if (table === "requests") return requestLine(name, message as CanonicalRequest);
  return streamLine(name, message as CanonicalStream);
}

/** `tail(input: …): stream of Item, sends Send, returns Result`: the parts the stream declares. */
function streamLine(name: string, stream: CanonicalStream): string {
  const input = stream.input.type === "undefined" ? "" : `input: ${typeText(stream.input, 1)}`;
  const parts: string[] = [];
  if (stream.item !== undefined) parts.push(`stream of ${typeText(stream.item, 1)}`);
  if (stream.send !== undefined) parts.push(`sends ${typeText(stream.send, 1)}`);
  if (stream.result !== undefined) parts.push(`returns ${typeText(stream.result, 1)}`);
  return `${name}(${input}): ${parts.join(", ")}`;
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
    const messages: Readonly<Record<string, CanonicalMessage>> = form[side][table] ?? {};
    for (const [message, value] of Object.entries(messages)) {
      const key = `${side}.${table}.${message}`;
      if (message === name || key === name) found.push({ key, form: value });
    }
  }
  return found;
}

/**
 * One message as JSON (`describe NAME --json`): its key, kind, the side that sends it, and its
 * canonical form (`schema` for an event or the credentials, `input` and `output` for a request,
 * `input` and the `item`, `send` and `result` it declares for a stream).
 */
export function messageJson({ key, form }: FoundMessage): Record<string, unknown> {
  if (key === "credentials") return { key, kind: "credentials", sender: "client", schema: form };
  const [sender, table] = key.split(".") as [string, string];
  if (table === "requests") return { key, kind: "request", sender, ...(form as CanonicalRequest) };
  // A stream's key names the side that opens it.
  if (table === "streams")
    return { key, kind: "stream", opener: sender, ...(form as CanonicalStream) };
  return { key, kind: "event", sender, schema: form };
}
