/**
 * @sockwire/protocol: the wire format shared by sockwire servers and clients.
 * Framing, envelopes, payload codecs, contracts, handshake schemas and coded errors.
 * @packageDocumentation
 */

export { CODEC_NAME_PATTERN, isPayloadCodec, type PayloadCodec } from "./codec/codec.js";
export { defaultCodec, type JsonCodecOptions, jsonCodec } from "./codec/json-codec.js";
export * from "./constants.js";
export { canonicalDigest, canonicalText } from "./contract/canonical/canonical-json.js";
export {
  type ContractInput,
  canonicalContract,
  contractDigest,
  messageDigests,
} from "./contract/canonical/contract-form.js";
export type * from "./contract/canonical/node-types.js";
export { CANONICAL_FORM_VERSION } from "./contract/canonical/node-types.js";
export { canonicalSchema } from "./contract/canonical/schema-form.js";
export {
  validateCanonicalContract,
  validateCanonicalNode,
  validateCanonicalStream,
} from "./contract/canonical/validate-form.js";
export { accepts, type Compatibility } from "./contract/compat/accepts.js";
export {
  checkSnapshot,
  type MessageChange,
  type SnapshotEntry,
  type SnapshotReport,
} from "./contract/compat/check-snapshot.js";
export {
  type ContractComparison,
  compareContracts,
  type FlowVerdict,
  type MessageComparison,
  type MessageStatus,
  type PeerSide,
} from "./contract/compat/compare-contracts.js";
export { formatIncompatibility, type Incompatibility } from "./contract/compat/slots.js";
export {
  formatSnapshotJson,
  formatSnapshotReport,
  type SnapshotFormatOptions,
} from "./contract/compat/snapshot-format.js";
export {
  CONTRACT_NAME_PATTERN,
  defineContract,
  MESSAGE_NAME_PATTERN,
} from "./contract/define-contract.js";
export { canonicalJson, contractFingerprint } from "./contract/fingerprint.js";
export {
  contractFromForm,
  type FormContract,
} from "./contract/from-form/contract-from-form.js";
export { schemaFromForm } from "./contract/from-form/schema-from-form.js";
export type * from "./contract/types.js";
export { type IssueSummary, summarizeIssues, validatePayload } from "./contract/validate.js";
export { type Envelope, type EnvelopeHeader, encodeEnvelope } from "./envelope/envelope.js";
export {
  FrameDecoder,
  type FrameDecoderOptions,
  type FrameDecoderState,
} from "./envelope/frame-decoder.js";
export { Flag, isIgnorableKind, isKnownKind, Kind, kindName } from "./envelope/kinds.js";
export { parseEnvelope } from "./envelope/parse-envelope.js";
export { AppError, isAppError } from "./errors/app-error.js";
export { ALL_ERROR_CODES, ErrorCode } from "./errors/codes.js";
export {
  isSockwireError,
  SockwireError,
  type SockwireErrorOptions,
} from "./errors/sockwire-error.js";
export {
  ALL_WIRE_CODES,
  APP_CODE_PATTERN,
  isRegistryWireCode,
  WireCode,
} from "./errors/wire-codes.js";
export { encodeFrame, framePrefix } from "./frame/frame-encoder.js";
export {
  type Hello,
  helloSchema,
  negotiateMinor,
  PROTOCOL_VERSION,
  type Reason,
  reasonSchema,
  type Welcome,
  welcomeSchema,
} from "./handshake/handshake.js";
export { decodeControl, encodeControl } from "./message/control.js";
export {
  type DecodeOptions,
  decodeEvent,
  decodeRequest,
  decodeResponse,
  type EncodeOptions,
  encodeEvent,
  encodeRequest,
  encodeResponse,
  type InboundEvent,
  type InboundRequest,
} from "./message/messages.js";
export { toWireValue } from "./message/outbound.js";
export type * from "./session/streams/stream-types.js";
