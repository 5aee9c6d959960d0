import { ErrorCode, summarizeIssues } from "@sockwire/protocol";
import type { z } from "zod";
import { CliFailure, ExitCode } from "../exit-codes.js";

/**
 * Checks a value against the schema the command holds for it, before anything is sent: a value
 * the contract does not allow fails with exit code `INVALID`, one line per problem naming the
 * field (`user.tags[1].name`), as the server would have refused it (`ERR_VALIDATION_FAILED`).
 *
 * @example
 * ```ts
 * checkValue(request.input, input, "the input of request run");
 * ```
 */
export function checkValue(schema: z.ZodType, value: unknown, what: string): void {
  const result = schema.safeParse(value);
  if (result.success) return;
  const issues = summarizeIssues(result.error.issues);
  throw new CliFailure(ExitCode.INVALID, `${ErrorCode.VALIDATION_FAILED}: ${what} is not valid`, {
    code: ErrorCode.VALIDATION_FAILED,
    details: { issues, issueCount: result.error.issues.length },
  });
}
