import { contractFromForm, describeServer } from "@sockwire/client";
import type { AnyContract, CanonicalContract } from "@sockwire/protocol";
import { ErrorCode, isSockwireError } from "@sockwire/protocol";
import { CliFailure, ExitCode } from "../exit-codes.js";
import { failureFrom } from "../failures.js";
import type { CliIo } from "../io.js";
import { loadContract } from "../load-contract.js";
import type { ConnectionSettings } from "./settings.js";

/** A contract to talk with, and where it came from. */
export interface ContractSource {
  readonly contract: AnyContract;
  /** The canonical form, when the server described it. */
  readonly form: CanonicalContract | undefined;
}

/**
 * The contract a command uses: the module `--contract` names, or the server's own, asked for on a
 * connection of its own (reflection: the server needs its `reflection` option on) and rebuilt
 * with `contractFromForm`, so that the command's connection is the server's contract.
 *
 * @throws failures: `REFUSED` when the server has reflection off (saying what to do instead) or
 * refuses the credentials, `CONNECT` or `TIMEOUT` when it cannot be reached, `INPUT` for a module
 * that cannot be loaded.
 */
export async function contractFor(
  settings: ConnectionSettings,
  io: CliIo,
  signal?: AbortSignal,
): Promise<ContractSource> {
  if (settings.contract !== undefined) {
    return { contract: await loadContract(settings.contract, io.cwd), form: undefined };
  }
  let form: CanonicalContract;
  try {
    form = await describeServer({
      ...settings.target,
      tls: settings.tls,
      credentials: settings.credentials,
      connectTimeoutMs: settings.connectTimeoutMs,
      signal,
    });
  } catch (error) {
    if (signal?.aborted) throw new CliFailure(ExitCode.INTERRUPTED, "interrupted");
    const failure = failureFrom(error);
    if (isSockwireError(error) && error.code === ErrorCode.REFLECTION_DISABLED) {
      throw new CliFailure(
        failure.exitCode,
        `${failure.message}; pass the contract with --contract path/to/contract.ts, or turn the server's reflection option on`,
        failure.detail,
      );
    }
    throw failure;
  }
  try {
    return { contract: contractFromForm(form), form };
  } catch (error) {
    throw failureFrom(error, ExitCode.REMOTE);
  }
}
