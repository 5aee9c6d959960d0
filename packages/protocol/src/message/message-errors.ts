import { ErrorCode } from "../errors/codes.js";
import { SockwireError } from "../errors/sockwire-error.js";

/** `ERR_UNKNOWN_MESSAGE_TYPE` for a name the contract does not declare (the name is cut to 64). */
export function unknownType(what: string, name: string): SockwireError {
  const shown = name.length > 64 ? `${name.slice(0, 63)}…` : name;
  return new SockwireError(
    ErrorCode.UNKNOWN_MESSAGE_TYPE,
    `the contract declares no ${what} named ${JSON.stringify(shown)}`,
  );
}
