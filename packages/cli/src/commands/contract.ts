import { readFileSync, writeFileSync } from "node:fs";
import { isAbsolute, resolve } from "node:path";
import {
  type CanonicalContract,
  canonicalContract,
  canonicalText,
  checkSnapshot,
  contractDigest,
  formatSnapshotJson,
  formatSnapshotReport,
} from "@sockwire/protocol";
import { CliFailure, ExitCode } from "../exit-codes.js";
import type { CliIo } from "../io.js";
import { loadContract } from "../load-contract.js";

/** Options of `sockwire contract check` and `write`. */
export interface ContractOptions {
  /** The contract module, `path[#export]`. */
  readonly module: string;
  /** The snapshot file. */
  readonly snapshot: string;
  /** `check`: print the report as JSON. */
  readonly json: boolean;
  /** `check`: list unchanged messages too. */
  readonly all: boolean;
}

/**
 * `sockwire contract check`: compares the committed snapshot with the contract as it is now, for
 * both deployment skews, and prints per message what still works and why not. Exit code `OK`
 * when nothing breaks, `BREAKING` otherwise.
 *
 * @example
 * ```ts
 * const code = await contractCheck({ module: "src/contract.ts", snapshot: "contract.snapshot.json", json: false, all: false }, io);
 * ```
 */
export async function contractCheck(options: ContractOptions, io: CliIo): Promise<ExitCode> {
  const snapshot = readSnapshot(options.snapshot, io.cwd);
  const contract = await loadContract(options.module, io.cwd);
  let report: ReturnType<typeof checkSnapshot>;
  try {
    report = checkSnapshot(snapshot, canonicalContract(contract));
  } catch (error) {
    const why = error instanceof Error ? error.message : String(error);
    throw new CliFailure(ExitCode.INPUT, `${options.snapshot} is not a contract snapshot: ${why}`);
  }
  io.out(options.json ? formatSnapshotJson(report) : `${formatSnapshotReport(report, options)}\n`);
  return report.breaking ? ExitCode.BREAKING : ExitCode.OK;
}

/**
 * `sockwire contract write`: writes the contract's canonical form to the snapshot file (two-space
 * indented, members in canonical order), to commit with a release.
 */
export async function contractWrite(options: ContractOptions, io: CliIo): Promise<ExitCode> {
  const contract = await loadContract(options.module, io.cwd);
  const form = canonicalContract(contract);
  const path = pathOf(options.snapshot, io.cwd);
  try {
    writeFileSync(path, snapshotText(form));
  } catch (error) {
    const why = error instanceof Error ? error.message : String(error);
    throw new CliFailure(ExitCode.INPUT, `could not write ${options.snapshot}: ${why}`);
  }
  io.err(`wrote ${options.snapshot} (contract ${form.name}, digest ${contractDigest(form)})\n`);
  return ExitCode.OK;
}

/** A form as a snapshot file: canonical member order, indented for readable diffs. */
export function snapshotText(form: CanonicalContract): string {
  return `${JSON.stringify(JSON.parse(canonicalText(form)), null, 2)}\n`;
}

function readSnapshot(file: string, cwd: string): CanonicalContract {
  let text: string;
  try {
    text = readFileSync(pathOf(file, cwd), "utf8");
  } catch {
    throw new CliFailure(
      ExitCode.INPUT,
      `no snapshot at ${file}; write one with: sockwire contract write <module> --snapshot ${file}`,
    );
  }
  try {
    return JSON.parse(text) as CanonicalContract;
  } catch (error) {
    const why = error instanceof Error ? error.message : String(error);
    throw new CliFailure(ExitCode.INPUT, `${file} is not JSON: ${why}`);
  }
}

function pathOf(file: string, cwd: string): string {
  return isAbsolute(file) ? file : resolve(cwd, file);
}
