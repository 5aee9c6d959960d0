/**
 * Building blocks shared by @sockwire/server and @sockwire/client. Not a public API: it may change
 * in any release. Applications use the server and client packages instead.
 * @packageDocumentation
 */

export { handlerFailed } from "./errors/handler-failed.js";
export {
  isPlainPeerTlsError,
  isTlsRecordFrameError,
  isTlsRecordLength,
  type TlsExpectation,
  tlsMismatch,
} from "./handshake/tls-mismatch.js";
export {
  type MessageCodec,
  messageCodecFor,
} from "./message/message-codec.js";
export type { OutgoingFrame } from "./message/outgoing-frame.js";
export {
  contractAnswer,
  contractForms,
  contractOffer,
  contractTermsFromForms,
  type PendingExchange,
} from "./negotiation/contract-exchange.js";
export {
  type ContractFrame,
  type ContractFrameParts,
  decodeContractFrame,
  encodeContractFrame,
} from "./negotiation/contract-frame.js";
export {
  type ContractTerms,
  differsReport,
  disabledRefusal,
  messageKey,
  reconcileTerms,
  termsBetween,
} from "./negotiation/contract-terms.js";
export {
  type ContractMatch,
  LocalContract,
  localContract,
} from "./negotiation/local-contract.js";
export { reflectedForm, reflectionFrame } from "./negotiation/reflection.js";
export { type Deferred, deferred, isThenable, noop, rejected } from "./session/deferred.js";
export type { RequestContext } from "./session/incoming-requests.js";
export { agreeHeartbeat, type HeartbeatSettings } from "./session/liveness.js";
export { PendingRequests } from "./session/pending-requests.js";
export { isSequencedKind, ReplayLog } from "./session/replay-log.js";
export { type ResumeLimits, ResumeState } from "./session/resume-state.js";
export {
  type CloseInfo,
  Session,
  type SessionHooks,
  type SessionLimits,
  type SessionOptions,
  type SessionState,
  type SessionStats,
} from "./session/session.js";
export {
  STREAM_DEFAULTS,
  type StreamContext,
  type StreamHandlerResult,
} from "./session/session-types.js";
export type { SocketLike } from "./session/socket-like.js";
export { OpenedStream, type OpenStreamOptions } from "./session/streams/opened-stream.js";
export { creditOf } from "./session/streams/stream-frames.js";
export { periodFor, type Tickable, Ticker } from "./session/ticker.js";
export { clip } from "./session/wire-error.js";
