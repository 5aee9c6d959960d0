/**
 * What a client session needs from a connection, whatever travels on the wire. The framed
 * transport speaks sockwire; the raw one speaks the article's unframed ASCII bytes. The session
 * (and so every console line) is the same for both.
 *
 * None of the promises below reject except `connect` and `send`, so an ignored one can never
 * become an unhandled rejection.
 */
export interface ClientTransport {
  /** Opens the connection; rejects when the server cannot be reached or refuses it. */
  connect(): Promise<void>;
  /** Resolves with the text of the server's greeting once it arrived. */
  readonly greeting: Promise<string>;
  /** Hands one message to the connection; rejects with a {@link TransportError} if it is gone. */
  send(text: string): Promise<void>;
  /**
   * Resolves with a short reason (`undefined` for a plain close by the server) when the
   * connection ends without `close()` having been called.
   */
  readonly lost: Promise<string | undefined>;
  /** Closes gracefully (or abandons a connect in progress). Safe to call more than once. */
  close(): Promise<void>;
}

/**
 * A failed connect or send. `reason` is the short code the console shows (a sockwire error
 * code such as `ERR_CONNECT_FAILED`, or a system code such as `ECONNRESET`); `detail` is the
 * longer explanation written to stderr.
 *
 * @example
 * ```ts
 * throw new TransportError("ECONNREFUSED", "connect ECONNREFUSED 127.0.0.1:18888");
 * ```
 */
export class TransportError extends Error {
  constructor(
    readonly reason: string,
    readonly detail: string,
    options?: ErrorOptions,
  ) {
    super(`${reason}: ${detail}`, options);
    this.name = "TransportError";
  }
}
