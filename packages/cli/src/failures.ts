import { ErrorCode, isSockwireError } from "@sockwire/protocol";
import { CliFailure, ExitCode } from "./exit-codes.js";
import type { CliIo } from "./io.js";

/** The exit code of each coded error a command can meet (anything else: `CONNECT`). */
const EXIT_BY_CODE: Readonly<Record<string, ExitCode>> = {
  [ErrorCode.INVALID_ARGUMENT]: ExitCode.USAGE,
  [ErrorCode.CONNECT_FAILED]: ExitCode.CONNECT,
  [ErrorCode.TLS_MISMATCH]: ExitCode.CONNECT,
  [ErrorCode.SOCKET_ERROR]: ExitCode.CONNECT,
  [ErrorCode.HANDSHAKE_REJECTED]: ExitCode.REFUSED,
  [ErrorCode.CONTRACT_MISMATCH]: ExitCode.REFUSED,
  [ErrorCode.UNSUPPORTED_VERSION]: ExitCode.REFUSED,
  [ErrorCode.UNSUPPORTED_CODEC]: ExitCode.REFUSED,
  [ErrorCode.REFLECTION_DISABLED]: ExitCode.REFUSED,
  [ErrorCode.REMOTE_ERROR]: ExitCode.REMOTE,
  [ErrorCode.VALIDATION_FAILED]: ExitCode.INVALID,
  [ErrorCode.UNKNOWN_MESSAGE_TYPE]: ExitCode.INVALID,
  [ErrorCode.MESSAGE_DISABLED]: ExitCode.INVALID,
  [ErrorCode.PEER_FRAME_LIMIT]: ExitCode.INVALID,
  [ErrorCode.CONNECT_TIMEOUT]: ExitCode.TIMEOUT,
  [ErrorCode.HANDSHAKE_TIMEOUT]: ExitCode.TIMEOUT,
  [ErrorCode.REQUEST_TIMEOUT]: ExitCode.TIMEOUT,
  [ErrorCode.CONNECTION_LOST]: ExitCode.LOST,
  [ErrorCode.CONNECTION_CLOSED]: ExitCode.LOST,
  [ErrorCode.NOT_CONNECTED]: ExitCode.LOST,
  [ErrorCode.OUTBOUND_BUFFER_FULL]: ExitCode.LOST,
  [ErrorCode.REQUEST_CANCELLED]: ExitCode.INTERRUPTED,
};

/**
 * The failure a command ends with for `error`: a `CliFailure` as it is, a coded sockwire error
 * with its exit code (the table above) and its code, remote code and details kept for `--json`.
 * Anything else is a bug, rethrown so that its stack is seen.
 *
 * @example
 * ```ts
 * try { await client.request(name, input); } catch (error) { throw failureFrom(error); }
 * ```
 */
export function failureFrom(error: unknown, exitCode?: ExitCode): CliFailure {
  if (error instanceof CliFailure) return error;
  if (!isSockwireError(error)) throw error;
  const remote = error.remoteCode === undefined ? "" : ` (${error.remoteCode})`;
  return new CliFailure(
    exitCode ?? EXIT_BY_CODE[error.code] ?? ExitCode.CONNECT,
    `${error.code}${remote}: ${error.message}`,
    { code: error.code, remoteCode: error.remoteCode, details: error.details },
  );
}

/**
 * Prints a failure on stderr: `sockwire: <message>`, then one line per validation issue, then a
 * usage hint for a command line that is wrong; with `json`, one JSON object instead (`error`:
 * `exitCode`, `message`, and the code, remote code and details when there are).
 */
export function reportFailure(failure: CliFailure, io: CliIo, json: boolean): void {
  const { code, remoteCode, details } = failure.detail;
  if (json) {
    const error = {
      exitCode: failure.exitCode,
      message: failure.message,
      code,
      remoteCode,
      details,
    };
    io.err(`${JSON.stringify({ error })}\n`);
    return;
  }
  io.err(`sockwire: ${failure.message}\n`);
  const issues = (details as { issues?: unknown } | undefined)?.issues;
  if (Array.isArray(issues) && failure.detail.code === ErrorCode.VALIDATION_FAILED) {
    for (const issue of issues as { path: string; message: string }[]) {
      io.err(`  at ${issue.path || "(the value itself)"}: ${issue.message}\n`);
    }
  }
  if (failure.exitCode === ExitCode.USAGE) io.err("Run sockwire --help for usage.\n");
}
