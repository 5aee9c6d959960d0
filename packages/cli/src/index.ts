export {
  type ContractOptions,
  contractCheck,
  contractWrite,
  snapshotText,
} from "./commands/contract.js";
export { CliFailure, ExitCode } from "./exit-codes.js";
export { type CliIo, processIo } from "./io.js";
export { loadContract } from "./load-contract.js";
export { runCli } from "./main.js";
