import type { AnyContract, RequestSchema } from "@sockwire/protocol";
import type { z } from "zod";
import { CliFailure, ExitCode } from "../exit-codes.js";

/** Where each kind of message is used from the command line, for hints. */
const COMMAND_FOR = {
  "client event": "sockwire emit",
  "client request": "sockwire call",
  "server event": "sockwire tail",
  "server request": "(the server calls it; nothing to do from here)",
} as const;
type What = keyof typeof COMMAND_FOR;

/** The kinds of message a name may be, with their schemas. */
function lookup(contract: AnyContract, name: string): { what: What; schema: unknown }[] {
  const found: { what: What; schema: unknown }[] = [];
  const add = (what: What, schema: unknown) => schema !== undefined && found.push({ what, schema });
  add("client event", contract.client.events.get(name));
  add("client request", contract.client.requests.get(name));
  add("server event", contract.server.events.get(name));
  add("server request", contract.server.requests.get(name));
  return found;
}

function missing(
  contract: AnyContract,
  name: string,
  wanted: string,
  names: Iterable<string>,
): CliFailure {
  const other = lookup(contract, name)[0];
  const hint = other
    ? `; ${name} is a ${other.what}: use ${COMMAND_FOR[other.what]}`
    : `; the contract's ${wanted}s: ${[...names].slice(0, 20).join(", ") || "none"}`;
  return new CliFailure(
    ExitCode.INVALID,
    `contract ${contract.name} has no ${wanted} ${JSON.stringify(name)}${hint}`,
    {
      code: "ERR_UNKNOWN_MESSAGE_TYPE",
      details: { message: name },
    },
  );
}

/** The client request `name`, or a failure (`INVALID`) that says what `name` is instead. */
export function clientRequest(contract: AnyContract, name: string): RequestSchema {
  const request = contract.client.requests.get(name);
  if (request === undefined)
    throw missing(contract, name, "client request", contract.client.requests.keys());
  return request;
}

/** The client event `name`, or a failure (`INVALID`). */
export function clientEvent(contract: AnyContract, name: string): z.ZodType {
  const event = contract.client.events.get(name);
  if (event === undefined)
    throw missing(contract, name, "client event", contract.client.events.keys());
  return event;
}

/** The server event `name`, or a failure (`INVALID`). */
export function serverEvent(contract: AnyContract, name: string): z.ZodType {
  const event = contract.server.events.get(name);
  if (event === undefined)
    throw missing(contract, name, "server event", contract.server.events.keys());
  return event;
}

/** A client event or request `name` (for `bench`), or a failure (`INVALID`). */
export function clientMessage(
  contract: AnyContract,
  name: string,
): { kind: "event"; schema: z.ZodType } | { kind: "request"; schema: RequestSchema } {
  const event = contract.client.events.get(name);
  if (event !== undefined) return { kind: "event", schema: event };
  const request = contract.client.requests.get(name);
  if (request !== undefined) return { kind: "request", schema: request };
  const names = [...contract.client.events.keys(), ...contract.client.requests.keys()];
  throw missing(contract, name, "client event or request", names);
}
