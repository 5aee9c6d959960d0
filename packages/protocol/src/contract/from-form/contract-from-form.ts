import type { z } from "zod";
import { ErrorCode } from "../../errors/codes.js";
import { isSockwireError, SockwireError } from "../../errors/sockwire-error.js";
import type {
  CanonicalContract,
  CanonicalDirection,
  CanonicalNode,
} from "../canonical/node-types.js";
import { validateCanonicalContract } from "../canonical/validate-form.js";
import { defineContract } from "../define-contract.js";
import type { Contract, DirectionSchema, RequestSchema, StreamSchema } from "../types.js";
import { schemaFromForm } from "./schema-from-form.js";

interface FormDirection {
  events: Record<string, z.ZodType>;
  requests: Record<string, RequestSchema>;
  streams?: Record<string, StreamSchema>;
}

/** What {@link contractFromForm} returns: a contract whose schemas are known only at run time. */
export type FormContract = Contract<{
  name: string;
  credentials?: z.ZodType;
  client: FormDirection;
  server: FormDirection;
}>;

/**
 * A contract built from a canonical contract form (PROTOCOL.md 7.3), such as the one a server
 * with reflection on describes, or a snapshot file: every message's schema is rebuilt with
 * {@link schemaFromForm}. Its canonical form, and so its digest, is the form's own, so a client
 * made with it connects to that server as the same contract (PROTOCOL.md 8.1). What the rebuilt
 * schemas cannot know (refinements, transforms, default values) they leave to the server, which
 * validates every message again.
 *
 * @throws `ERR_INVALID_ARGUMENT` for a value that is not a valid contract form, or a node no zod
 * schema has (the message says which).
 *
 * @example
 * ```ts
 * const form = await describeServer({ port: 7000 }); // @sockwire/client
 * const contract = contractFromForm(form);
 * const client = createClient(contract, { port: 7000 });
 * ```
 */
export function contractFromForm(form: unknown): FormContract {
  const checked: CanonicalContract = validateCanonicalContract(form);
  return defineContract({
    name: checked.name,
    ...(checked.credentials === null
      ? {}
      : { credentials: rebuild(checked.credentials, "credentials") }),
    client: direction(checked.client, "client"),
    server: direction(checked.server, "server"),
  }) as FormContract;
}

function direction(form: CanonicalDirection, side: string): DirectionSchema {
  const events: Record<string, z.ZodType> = {};
  const requests: Record<string, RequestSchema> = {};
  for (const [name, node] of Object.entries(form.events)) {
    events[name] = rebuild(node, `${side}.events.${name}`);
  }
  for (const [name, request] of Object.entries(form.requests)) {
    const key = `${side}.requests.${name}`;
    requests[name] = {
      input: rebuild(request.input, `${key}.input`),
      output: rebuild(request.output, `${key}.output`),
    };
  }
  if (form.streams === undefined) return { events, requests };
  const streams: Record<string, StreamSchema> = {};
  for (const [name, stream] of Object.entries(form.streams)) {
    const key = `${side}.streams.${name}`;
    const schema: { -readonly [P in keyof StreamSchema]: StreamSchema[P] } = {
      input: rebuild(stream.input, `${key}.input`),
    };
    if (stream.item !== undefined) schema.item = rebuild(stream.item, `${key}.item`);
    if (stream.send !== undefined) schema.send = rebuild(stream.send, `${key}.send`);
    if (stream.result !== undefined) schema.result = rebuild(stream.result, `${key}.result`);
    streams[name] = schema;
  }
  return { events, requests, streams };
}

function rebuild(node: CanonicalNode, where: string): z.ZodType {
  try {
    return schemaFromForm(node);
  } catch (error) {
    const why = error instanceof Error ? error.message : String(error);
    throw new SockwireError(ErrorCode.INVALID_ARGUMENT, `${where}: ${why}`, {
      cause: error,
      ...(isSockwireError(error) && error.details !== undefined ? { details: error.details } : {}),
    });
  }
}
