export { bench } from "./commands/bench.js";
export { call } from "./commands/call.js";
export {
  type ContractOptions,
  contractCheck,
  contractWrite,
  snapshotText,
} from "./commands/contract.js";
export { contract } from "./commands/contract-command.js";
export { describe } from "./commands/describe.js";
export { emit } from "./commands/emit.js";
export { tail } from "./commands/tail.js";
export { typeText } from "./describe/type-view.js";
export { CliFailure, EXIT_CODE_MEANINGS, ExitCode, exitCodeHelp } from "./exit-codes.js";
export { type CliInput, type CliIo, processIo } from "./io.js";
export { loadContract } from "./load-contract.js";
export { runCli } from "./main.js";
