import { randomUUID } from "node:crypto";
import type { Socket } from "node:net";
import type { PeerCertificate, TLSSocket } from "node:tls";
import {
  type AnyContract,
  decodeControl,
  type Envelope,
  ErrorCode,
  type Hello,
  helloSchema,
  isAppError,
  isSockwireError,
  Kind,
  kindName,
  negotiateMinor,
  PROTOCOL_VERSION,
  type Reason,
  SockwireError,
  validatePayload,
  type Welcome,
  WireCode,
} from "@sockwire/protocol";
import {
  agreeHeartbeat,
  type ContractTerms,
  clip,
  type HeartbeatSettings,
  type LocalContract,
} from "@sockwire/protocol/internal";
import type { ResolvedOptions } from "./options.js";
import type { AuthenticateInfo } from "./types.js";

/**
 * How long a refused socket may take to read the reject and close its side before it is
 * destroyed (capped by `closeTimeoutMs`). Short on purpose: a refused peer has nothing more to
 * say, and a flood of refused sockets must not pin file descriptors for the full close timeout.
 *
 * @example
 * ```ts
 * // A test that waits for refused sockets to be gone, whatever the peer does:
 * await sleep(REJECT_LINGER_MS + 100);
 * ```
 */
export const REJECT_LINGER_MS = 2000;

/** A refusal: the reason sent in the reject frame and the local error behind it. */
export interface Refusal {
  reason: Reason;
  error: SockwireError;
}

/**
 * Result of checking a hello: the parsed hello, its validated credentials and whether its
 * contract is ours (`same`), another version of it (`differs`: the forms are exchanged before
 * the welcome), or asked for (`reflect`: the answer is our form, PROTOCOL.md 8.1), or a refusal.
 */
export type HelloCheck =
  | { ok: true; hello: Hello; credentials: unknown; contract: "same" | "differs" | "reflect" }
  | ({ ok: false } & Refusal);

/** What a hello is checked against besides our contract (the resolved options are one). */
export interface HelloPolicy {
  /** The codec, whose name the hello must name. */
  readonly codec: { readonly name: string };
  /** Whether a hello may ask for our contract (the `reflection` option). */
  readonly reflection: boolean;
}

/**
 * Checks the first frame of a connection, in the order a client can best act on: the frame must
 * be a well-formed hello, then the protocol major, the contract (name and fingerprint), the codec
 * and finally the shape of the credentials. A hello that asks for our contract is checked as
 * PROTOCOL.md 8.1 "Reflection" says: whether reflection is on first, then the name it expects, no
 * codec. Authentication itself comes after, in the connection's core.
 */
export function checkHello(
  envelope: Envelope,
  local: LocalContract,
  policy: HelloPolicy,
): HelloCheck {
  const contract = local.contract;
  if (envelope.kind !== Kind.HELLO) {
    return refuse(
      WireCode.PROTOCOL_ERROR,
      ErrorCode.UNEXPECTED_FRAME,
      `expected hello as the first frame, got ${kindName(envelope.kind)}`,
    );
  }
  let hello: Hello;
  try {
    hello = decodeControl(helloSchema, envelope.payload, "hello");
  } catch (error) {
    const cause = isSockwireError(error) ? error : undefined;
    return refuse(
      WireCode.PROTOCOL_ERROR,
      ErrorCode.FRAME_MALFORMED,
      clip(`malformed hello: ${cause?.message ?? "bad payload"}`),
      error,
    );
  }
  if (negotiateMinor(hello.protocol) === undefined) {
    return refuse(
      WireCode.UNSUPPORTED_VERSION,
      ErrorCode.UNSUPPORTED_VERSION,
      `protocol ${hello.protocol.major}.x is not supported; this server speaks ${PROTOCOL_VERSION.major}.${PROTOCOL_VERSION.minor}`,
    );
  }
  if (hello.reflect === true && hello.protocol.minor >= 1)
    return checkReflecting(hello, local, policy);
  const match = local.match(hello.contract, hello.protocol.minor);
  if (match === "mismatch") {
    // Naming our side's identity lets the operator see at once which end is out of date.
    return refuse(
      WireCode.CONTRACT_MISMATCH,
      ErrorCode.CONTRACT_MISMATCH,
      `this server speaks contract ${JSON.stringify(contract.name)} with fingerprint ${contract.fingerprint} (digest ${local.digest})`,
    );
  }
  if (hello.codec !== policy.codec.name) {
    return refuse(
      WireCode.UNSUPPORTED_CODEC,
      ErrorCode.UNSUPPORTED_CODEC,
      `this server speaks codec ${JSON.stringify(policy.codec.name)}`,
    );
  }
  return checkCredentials(hello, contract, match);
}

/**
 * A hello that asks for our contract: refused before anything else when reflection is off (so a
 * refused caller learns nothing, not even the contract's name), then checked for the contract
 * name it expects (empty: any) and its credentials. The codec does not matter: the answer is JSON.
 */
function checkReflecting(hello: Hello, local: LocalContract, policy: HelloPolicy): HelloCheck {
  if (!policy.reflection) {
    return refuse(
      WireCode.REFLECTION_DISABLED,
      ErrorCode.REFLECTION_DISABLED,
      "this server does not describe its contract (reflection is off)",
    );
  }
  const name = hello.contract.name;
  if (name !== "" && name !== local.contract.name) {
    return refuse(
      WireCode.CONTRACT_MISMATCH,
      ErrorCode.CONTRACT_MISMATCH,
      `this server speaks contract ${JSON.stringify(local.contract.name)}, not ${JSON.stringify(name)}`,
    );
  }
  return checkCredentials(hello, local.contract, "reflect");
}

/** The last check of a hello: its credentials against the contract's `credentials` schema. */
function checkCredentials(
  hello: Hello,
  contract: AnyContract,
  match: "same" | "differs" | "reflect",
): HelloCheck {
  const schema = contract.schema.credentials;
  if (schema === undefined) return { ok: true, hello, credentials: undefined, contract: match };
  try {
    return {
      ok: true,
      hello,
      credentials: validatePayload(schema, hello.credentials, "credentials"),
      contract: match,
    };
  } catch (error) {
    return refuse(
      WireCode.UNAUTHORIZED,
      ErrorCode.HANDSHAKE_REJECTED,
      "credentials do not match the contract's schema",
      error,
    );
  }
}

/**
 * The welcome for an accepted hello, and the heartbeat both sides will run. With `terms` (the
 * client's contract differs), it names our digest and the messages disabled on the connection.
 */
export function welcomeFor(
  hello: Hello,
  options: ResolvedOptions,
  contract?: { digest: string; terms: ContractTerms },
): { welcome: Welcome; heartbeat: HeartbeatSettings } {
  const heartbeat = agreeHeartbeat(
    { intervalMs: options.heartbeatIntervalMs, timeoutMs: options.heartbeatTimeoutMs },
    hello.heartbeat,
  );
  const welcome: Welcome = {
    protocol: { major: PROTOCOL_VERSION.major, minor: negotiateMinor(hello.protocol) ?? 0 },
    sessionId: randomUUID(),
    maxFrameBytes: options.maxFrameBytes,
    heartbeat,
    maxInFlight: options.maxInFlight,
    ...(contract === undefined
      ? {}
      : { contract: { digest: contract.digest, disabled: [...contract.terms.disabled] } }),
  };
  return { welcome, heartbeat };
}

/** What the `authenticate` hook is told about the peer besides its credentials. */
export function authenticateInfo(
  socket: Socket | TLSSocket,
  hello: Hello,
  signal: AbortSignal,
  resuming: AuthenticateInfo["resuming"],
): AuthenticateInfo {
  return {
    remoteAddress: socket.remoteAddress ?? "",
    remotePort: socket.remotePort ?? 0,
    tlsPeerCertificate: peerCertificate(socket),
    agent: hello.agent,
    signal,
    resuming,
    reflection: hello.reflect === true && hello.protocol.minor >= 1,
  };
}

/**
 * Maps what the authenticate hook threw to the reject sent. An `AppError` keeps its code and
 * message (the application chose to tell the client); anything else is `UNAUTHORIZED` with a
 * fixed message, and `internal` tells the owner to report the real error locally.
 */
export function refusalFromAuth(thrown: unknown): Refusal & { internal: boolean } {
  if (isAppError(thrown)) {
    return {
      reason: { code: thrown.code, message: clip(thrown.message) },
      error: new SockwireError(
        ErrorCode.HANDSHAKE_REJECTED,
        `authentication refused: ${thrown.code}`,
        {
          cause: thrown,
          details: { reason: thrown.code },
        },
      ),
      internal: false,
    };
  }
  return {
    reason: { code: WireCode.UNAUTHORIZED, message: "authentication failed" },
    error: new SockwireError(ErrorCode.HANDSHAKE_REJECTED, "authentication failed", {
      cause: thrown,
      details: { reason: WireCode.UNAUTHORIZED },
    }),
    internal: !isSockwireError(thrown),
  };
}

function refuse(
  code: string,
  errorCode: ErrorCode,
  message: string,
  cause?: unknown,
): { ok: false } & Refusal {
  return {
    ok: false,
    reason: { code, message },
    error: new SockwireError(errorCode, message, {
      details: { reason: code },
      ...(cause === undefined ? {} : { cause }),
    }),
  };
}

function peerCertificate(socket: Socket | TLSSocket): PeerCertificate | undefined {
  if (!("getPeerCertificate" in socket)) return undefined;
  const cert = socket.getPeerCertificate();
  // Without a client certificate Node returns an empty object, not null.
  return cert && Object.keys(cert).length > 0 ? cert : undefined;
}
