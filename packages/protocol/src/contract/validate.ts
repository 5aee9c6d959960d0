import type { z } from "zod";
import { ErrorCode } from "../errors/codes.js";
import { SockwireError } from "../errors/sockwire-error.js";
import { acceptCheckFor } from "./accept-check.js";
import { projectValue, sendsParsedOutput } from "./wire-form.js";

/** One schema problem, summarised: a dotted path, zod's issue code, a short message. */
export interface IssueSummary {
  path: string;
  code: string;
  message: string;
}

const MAX_ISSUES = 5;
const MAX_MESSAGE_CHARS = 160;

/**
 * Validates `value` against `schema` and returns the parsed value, or throws
 * `ERR_VALIDATION_FAILED` carrying at most 5 short issue summaries in `details.issues` (never the
 * offending input, so a 1 MiB bad payload yields a small error). The ZodError is kept as `cause`
 * for local debugging; it never crosses the wire.
 *
 * @example
 * ```ts
 * const msg = validatePayload(schema, decoded, "event say");
 * ```
 */
export function validatePayload<T extends z.ZodType>(
  schema: T,
  value: unknown,
  what: string,
): z.output<T> {
  const result = schema.safeParse(value);
  if (result.success) return result.data;
  throw validationError(result.error, what);
}

/** What a message payload is, for error messages (see {@link describePayload}). */
export const PayloadRole = {
  EVENT: 0,
  REQUEST_INPUT: 1,
  RESPONSE: 2,
} as const;
export type PayloadRole = (typeof PayloadRole)[keyof typeof PayloadRole];

/**
 * "event say", "request join input", "response to join": the words error messages use. Hot paths
 * pass the role and the name and build this only when validation fails, not for every message.
 */
export function describePayload(role: PayloadRole, name: string): string {
  if (role === PayloadRole.EVENT) return `event ${name}`;
  return role === PayloadRole.REQUEST_INPUT ? `request ${name} input` : `response to ${name}`;
}

/**
 * Validates the payload of message `name` (an event, request input or response, per `role`) and
 * returns zod's output, or throws `ERR_VALIDATION_FAILED` as {@link validatePayload}.
 */
export function parsePayload(
  schema: z.ZodType,
  value: unknown,
  role: PayloadRole,
  name: string,
): unknown {
  const result = schema.safeParse(value);
  if (result.success) return result.data;
  throw validationError(result.error, describePayload(role, name));
}

/**
 * Validates a payload about to be sent and returns the value to encode, which the encoder then
 * projects onto the schema (see `wire-form.ts`): a value that passes the schema's accept check is
 * known to pass zod and is returned as it is (the schema has no defaults or transforms, so
 * projecting it gives zod's output); any other value is parsed by zod, with the same error as
 * {@link parsePayload}, and zod's output is returned, or the value itself when the schema has a
 * transform (its output would be transformed again by the receiver). With `validate` false the
 * value is returned unchecked.
 *
 * @example
 * ```ts
 * const wire = outboundValue(schema, row, true, PayloadRole.RESPONSE, "user"); // ERR_VALIDATION_FAILED for a bad row
 * codec.encode(projectValue(schema, wire)); // only the keys the schema declares
 * ```
 */
export function outboundValue(
  schema: z.ZodType,
  value: unknown,
  validate: boolean,
  role: PayloadRole,
  name: string,
): unknown {
  if (!validate) return value;
  const accept = acceptCheckFor(schema);
  if (accept?.(value)) return value;
  const output = parsePayload(schema, value, role, name);
  return sendsParsedOutput(schema) ? output : value;
}

/**
 * Builds the `ERR_VALIDATION_FAILED` error for a failed `safeParse`. Hot paths call `safeParse`
 * themselves and come here only on failure, so the description is never built for valid input.
 */
export function validationError(error: z.ZodError, what: string): SockwireError {
  const issues = summarizeIssues(error.issues);
  const summary = issues.map((i) => `${i.path || "(root)"}: ${i.message}`).join("; ");
  return new SockwireError(ErrorCode.VALIDATION_FAILED, `invalid ${what}: ${summary}`, {
    cause: error,
    details: { issues, issueCount: error.issues.length },
  });
}

/** Reduces zod issues to at most 5 bounded summaries. */
export function summarizeIssues(issues: readonly z.core.$ZodIssue[]): IssueSummary[] {
  return issues.slice(0, MAX_ISSUES).map((issue) => ({
    path: formatPath(issue.path),
    code: issue.code,
    message: truncate(issue.message, MAX_MESSAGE_CHARS),
  }));
}

function formatPath(path: readonly PropertyKey[]): string {
  let out = "";
  for (const part of path.slice(0, 16)) {
    if (typeof part === "number") out += `[${part}]`;
    else out += out === "" ? truncate(String(part), 40) : `.${truncate(String(part), 40)}`;
  }
  return out;
}

function truncate(text: string, max: number): string {
  return text.length <= max ? text : `${text.slice(0, max - 1)}…`;
}

/**
 * Validates a value that travels inside another payload (the hello's credentials) and returns
 * what to send for it: zod's output, or the value itself for a schema with a transform,
 * projected onto the schema so that keys it does not declare stay home (see `wire-form.ts`).
 *
 * @throws `ERR_VALIDATION_FAILED`, as {@link validatePayload}.
 *
 * @example
 * ```ts
 * const credentials = toWireValue(contract.schema.credentials, { token, debug: true }, "credentials");
 * // { token }: the schema does not declare `debug`
 * ```
 */
export function toWireValue(schema: z.ZodType, value: unknown, what: string): unknown {
  const result = schema.safeParse(value);
  if (!result.success) throw validationError(result.error, what);
  return projectValue(schema, sendsParsedOutput(schema) ? result.data : value);
}
