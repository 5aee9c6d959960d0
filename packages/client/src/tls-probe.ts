import { isIP } from "node:net";
import { connect as tlsConnect } from "node:tls";

/**
 * Asking a port whether a TLS server listens there.
 *
 * A TLS server that receives a plain sockwire hello closes the connection without a byte in
 * answer (its TLS layer cannot tell the peer anything it could read). A TCP proxy with no
 * backend, or a server dropping connections under load, does the same, so that silence alone
 * proves nothing. The probe gets the evidence: it opens a second connection and starts a TLS
 * handshake. A TLS server answers in TLS (the handshake completes, or it sends an alert); the
 * others close, reset or say nothing.
 *
 * The certificate is not checked, because nothing is ever sent over the probe: it is destroyed
 * as soon as the answer is known. The server sees one connection that leaves before its hello.
 */
export interface TlsProbe {
  /** True when a TLS server answered; false for anything else (not TLS, closed, silent). */
  readonly result: Promise<boolean>;
  /** Ends the probe at once; `result` settles false if it had not settled. */
  cancel(): void;
}

/** The shortest probe: enough for a TLS handshake on a loaded machine or a near network. */
const MIN_PROBE_MS = 250;

/**
 * How long a probe may wait for an answer: three times what the failed attempt took (TCP
 * connect, hello and the server's close, about the two round trips a TLS handshake needs) and
 * at least {@link MIN_PROBE_MS}, within what is left of the connect timeout. A port that says
 * nothing costs the caller that long before `connect()` fails.
 *
 * @example
 * ```ts
 * probeBudget(20, 9_980); // 250
 * probeBudget(400, 9_600); // 1200
 * ```
 */
export function probeBudget(attemptMs: number, remainingMs: number): number {
  return Math.min(remainingMs, Math.max(MIN_PROBE_MS, 3 * attemptMs));
}

/**
 * Probes `host:port` for a TLS server for at most `timeoutMs`.
 *
 * @example
 * ```ts
 * const probe = probeTls("127.0.0.1", 7000, 250);
 * if (await probe.result) console.log("that port speaks TLS");
 * ```
 */
export function probeTls(host: string, port: number, timeoutMs: number): TlsProbe {
  let settle!: (isTls: boolean) => void;
  const result = new Promise<boolean>((resolve) => {
    settle = resolve;
  });
  const socket = tlsConnect({
    host,
    port,
    ...(isIP(host) === 0 ? { servername: host } : {}),
    rejectUnauthorized: false,
  });
  const done = (isTls: boolean): void => {
    clearTimeout(timer);
    socket.destroy();
    settle(isTls);
  };
  const timer = setTimeout(() => done(false), timeoutMs);
  socket.once("secureConnect", () => done(true));
  socket.once("error", (error: NodeJS.ErrnoException) => done(isTlsAlert(error)));
  socket.once("close", () => done(false));
  return { result, cancel: () => done(false) };
}

/**
 * True for OpenSSL's report of an alert received from the peer (`ERR_SSL_TLSV1_ALERT_…`,
 * `ERR_SSL_SSLV3_ALERT_…`): the peer answered with a TLS record, so it speaks TLS, even though it
 * refuses this handshake (it wants a client certificate, or another protocol version).
 */
function isTlsAlert(error: NodeJS.ErrnoException): boolean {
  return typeof error.code === "string" && /^ERR_SSL_\w*_ALERT_/.test(error.code);
}
