/**
 * demo-contract: what the demo server and client agree on. The sockwire contract (typed events
 * and their schemas), the article's defaults, and the small console helpers both apps share:
 * option parsing, endpoint formatting, ASCII bytes for raw mode and stop requests.
 * @packageDocumentation
 */
export { decodeAscii, encodeAscii } from "./ascii.js";
export {
  formatOptions,
  type Lang,
  type OptionHelp,
  type OptionSpec,
  type OptionValues,
  parseCommandLine,
  parseHost,
  parseInteger,
  parseLang,
  parsePort,
  parseWire,
  USAGE_EXIT_CODE,
  UsageError,
  type Wire,
} from "./cli.js";
export { type EnterResult, type LineSource, waitForEnter } from "./console-input.js";
export {
  DEFAULT_HOST,
  DEFAULT_PORT,
  type DemoContract,
  demoContract,
  GREETING_TEXT,
  MAX_TEXT_LENGTH,
} from "./contract.js";
export { formatEndpoint } from "./endpoint.js";
export { printable } from "./printable.js";
export {
  type SignalSource,
  type StopReason,
  type StopRequestOptions,
  type StopRequests,
  watchStopRequests,
} from "./stop-requests.js";
