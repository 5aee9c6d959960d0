import type { z } from "zod";
import { ErrorCode } from "../errors/codes.js";
import { SockwireError } from "../errors/sockwire-error.js";

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
  STREAM_INPUT: 3,
  STREAM_ITEM: 4,
  STREAM_SEND: 5,
  STREAM_RESULT: 6,
} as const;
export type PayloadRole = (typeof PayloadRole)[keyof typeof PayloadRole];

/**
 * "event say", "request join input", "response to join": the words error messages use. Hot paths
 * pass the role and the name and build this only when validation fails, not for every message.
 */
export function describePayload(role: PayloadRole, name: string): string {
  switch (role) {
    case PayloadRole.EVENT:
      return `event ${name}`;
    case PayloadRole.REQUEST_INPUT:
      return `request ${name} input`;
    case PayloadRole.RESPONSE:
      return `response to ${name}`;
    case PayloadRole.STREAM_INPUT:
      return `stream ${name} input`;
    case PayloadRole.STREAM_ITEM:
      return `stream ${name} item`;
    case PayloadRole.STREAM_SEND:
      return `stream ${name} sent item`;
    default:
      return `stream ${name} result`;
  }
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
