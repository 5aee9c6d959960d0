import type { z } from "zod";
import { ErrorCode } from "../errors/codes.js";
import { SockwireError } from "../errors/sockwire-error.js";
import { contractFingerprint } from "./fingerprint.js";
import type {
  CompiledDirection,
  Contract,
  ContractSchema,
  DirectionSchema,
  RequestSchema,
  StreamSchema,
} from "./types.js";

/** Message names: ASCII, so they fit the envelope's 1-byte-length type field and read the same everywhere. */
export const MESSAGE_NAME_PATTERN = /^[A-Za-z][A-Za-z0-9_.:/-]{0,127}$/;
/** Contract names. */
export const CONTRACT_NAME_PATTERN = /^[A-Za-z0-9][A-Za-z0-9_.-]{0,63}$/;

/**
 * Declares the messages both ends exchange. The result carries the static types (inferred from
 * the zod schemas, no code generation) and the runtime tables both server and client use to
 * validate. A typo in a message name or a wrong payload shape is then a compile error at every
 * `emit`, `request` and handler.
 *
 * @throws `ERR_INVALID_ARGUMENT` for a bad contract or message name, or a non-zod schema.
 *
 * @example
 * ```ts
 * import { z } from "zod";
 * export const chat = defineContract({
 *   name: "chat",
 *   client: {
 *     events: { say: z.object({ text: z.string().max(1000) }) },
 *     requests: { join: { input: z.object({ room: z.string() }), output: z.object({ members: z.number() }) } },
 *   },
 *   server: { events: { greeting: z.object({ text: z.string() }) } },
 * });
 * ```
 */
export function defineContract<const D extends ContractSchema>(schema: D): Contract<D> {
  if (typeof schema?.name !== "string" || !CONTRACT_NAME_PATTERN.test(schema.name)) {
    throw new SockwireError(
      ErrorCode.INVALID_ARGUMENT,
      `invalid contract name ${JSON.stringify(schema?.name)}`,
    );
  }
  if (schema.credentials !== undefined) assertSchema(schema.credentials, "credentials");
  // Check every schema before fingerprinting: the JSON Schema conversion would crash on a non-zod value.
  const client = compileDirection(schema.client, "client");
  const server = compileDirection(schema.server, "server");
  return Object.freeze({
    name: schema.name,
    fingerprint: contractFingerprint(schema),
    schema,
    client,
    server,
  });
}

function compileDirection(direction: DirectionSchema | undefined, side: string): CompiledDirection {
  const events = new Map<string, z.ZodType>();
  const requests = new Map<string, RequestSchema>();
  const streams = new Map<string, StreamSchema>();
  for (const [name, schema] of Object.entries(direction?.events ?? {})) {
    assertName(name, `${side} event`);
    assertSchema(schema, `${side} event ${name}`);
    events.set(name, schema);
  }
  for (const [name, request] of Object.entries(direction?.requests ?? {})) {
    assertName(name, `${side} request`);
    assertSchema(request?.input, `${side} request ${name} input`);
    assertSchema(request?.output, `${side} request ${name} output`);
    requests.set(name, request);
  }
  for (const [name, stream] of Object.entries(direction?.streams ?? {})) {
    assertName(name, `${side} stream`);
    assertSchema(stream?.input, `${side} stream ${name} input`);
    for (const part of ["item", "send", "result"] as const) {
      if (stream[part] !== undefined) assertSchema(stream[part], `${side} stream ${name} ${part}`);
    }
    if (stream.item === undefined && stream.send === undefined) {
      throw new SockwireError(
        ErrorCode.INVALID_ARGUMENT,
        `${side} stream ${name} needs an item schema, a send schema, or both`,
      );
    }
    // A name is one message: an event, a request and a stream of one side may not share it.
    if (events.has(name) || requests.has(name)) {
      throw new SockwireError(
        ErrorCode.INVALID_ARGUMENT,
        `${side} stream ${name}: the name is already an event or a request`,
      );
    }
    streams.set(name, stream);
  }
  return { events, requests, streams };
}

function assertName(name: string, what: string): void {
  if (!MESSAGE_NAME_PATTERN.test(name)) {
    throw new SockwireError(
      ErrorCode.INVALID_ARGUMENT,
      `invalid ${what} name ${JSON.stringify(name)}`,
    );
  }
}

function assertSchema(schema: unknown, what: string): void {
  if (typeof (schema as z.ZodType | undefined)?.safeParse !== "function") {
    throw new SockwireError(ErrorCode.INVALID_ARGUMENT, `${what} is not a zod schema`);
  }
}
