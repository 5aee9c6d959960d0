import type { Socket } from "node:net";
import { isIP, connect as netConnect } from "node:net";
import { connect as tlsConnect } from "node:tls";
import {
  ErrorCode,
  type Hello,
  isSockwireError,
  PROTOCOL_VERSION,
  SockwireError,
} from "@sockwire/protocol";
import {
  type CloseInfo,
  isPlainPeerTlsError,
  isTlsRecordFrameError,
  type LocalContract,
  tlsMismatch,
} from "@sockwire/protocol/internal";
import type { ResolvedOptions } from "./options.js";

// What an attempt is made of besides its state: its socket, its hello, and the words for a
// failure before the welcome.

const AGENT = `sockwire-client/0.1 node/${process.versions.node}`;

/**
 * Why the connection ended before the welcome, as `connect()` reports it: the socket's own error
 * (a TLS client at a plain server: `ERR_TLS_MISMATCH`), a TLS record where the welcome's length
 * prefix should be (a plain client at a TLS server), or a close before the handshake completed.
 * `messagesIn` is what the session received; `serverError` an error frame the server sent.
 */
export function describeEarlyClose(
  options: ResolvedOptions,
  info: CloseInfo,
  messagesIn: number,
  serverError: SockwireError | undefined,
): SockwireError {
  const { host, port, tls } = options;
  const socketError = info.error?.code === ErrorCode.SOCKET_ERROR ? info.error.cause : undefined;
  if (socketError !== undefined) {
    if (tls && isPlainPeerTlsError(socketError)) {
      const message = `${host}:${port} does not seem to speak TLS; connect without the tls option`;
      return tlsMismatch("plain", message, socketError);
    }
    const code = (socketError as NodeJS.ErrnoException).code;
    return connectFailed(
      `could not connect to ${host}:${port}${code ? ` (${code})` : ""}`,
      socketError,
    );
  }
  // A TLS record where the welcome's length prefix should be: the server answers in TLS.
  if (!tls && isTlsRecordFrameError(info.error) && messagesIn === 0) {
    return tlsMismatch("tls", `${host}:${port} answered in TLS; set the tls option`, info.error);
  }
  return connectFailed(
    `${host}:${port} closed the connection before the handshake completed`,
    serverError ?? info.error,
  );
}

export function connectFailed(message: string, cause: unknown): SockwireError {
  if (isSockwireError(cause) && cause.code === ErrorCode.CONNECT_TIMEOUT) return cause;
  return new SockwireError(ErrorCode.CONNECT_FAILED, message, cause === undefined ? {} : { cause });
}

/** The socket of one attempt: TCP or TLS, half-open allowed so the session sends its FIN itself. */
export function openSocket(options: ResolvedOptions): Socket {
  const { host, port, tls } = options;
  if (!tls) return netConnect({ host, port, allowHalfOpen: true, noDelay: true });
  return tlsConnect({
    ...tls,
    host,
    port,
    ...(tls.servername === undefined && isIP(host) === 0 ? { servername: host } : {}),
    // tls.connect honours allowHalfOpen (it is missing from the type); Nagle is turned off by
    // the session's setNoDelay(), which TLS sockets pass to their TCP handle.
    ...({ allowHalfOpen: true } as object),
  });
}

/**
 * The hello of one attempt (PROTOCOL.md 5.1): the 1.0 fingerprint, which a 1.0 server compares,
 * and the canonical digest, which a 1.1 server compares instead.
 */
export function helloFor(
  local: LocalContract,
  options: ResolvedOptions,
  credentials: unknown,
  resume: Hello["resume"],
): Hello {
  const contract = local.contract;
  return {
    protocol: { ...PROTOCOL_VERSION },
    contract: { name: contract.name, fingerprint: contract.fingerprint, digest: local.digest },
    codec: options.codec.name,
    maxFrameBytes: options.maxFrameBytes,
    heartbeat: { intervalMs: options.heartbeatIntervalMs, timeoutMs: options.heartbeatTimeoutMs },
    ...(credentials === undefined ? {} : { credentials }),
    agent: AGENT,
    ...(resume === undefined ? {} : { resume }),
  };
}

/**
 * The hello of a client with no contract that asks for the server's (PROTOCOL.md 8.1,
 * "Reflection"): protocol 1.1, `reflect: true`, the contract name it expects (`""`: any), no
 * fingerprint or digest. The codec is not checked by the server; the answer is JSON.
 */
export function reflectingHello(
  name: string,
  options: ResolvedOptions,
  credentials: unknown,
): Hello {
  return {
    protocol: { ...PROTOCOL_VERSION },
    contract: { name, fingerprint: "" },
    codec: options.codec.name,
    maxFrameBytes: options.maxFrameBytes,
    heartbeat: { intervalMs: 0, timeoutMs: 0 },
    ...(credentials === undefined ? {} : { credentials }),
    agent: AGENT,
    reflect: true,
  };
}
