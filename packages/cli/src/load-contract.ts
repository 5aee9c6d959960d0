import { existsSync } from "node:fs";
import { isAbsolute, resolve } from "node:path";
import { pathToFileURL } from "node:url";
import type { AnyContract } from "@sockwire/protocol";
import { CliFailure, ExitCode } from "./exit-codes.js";

/** Extensions loaded through tsx, which compiles them (Node 20 cannot import TypeScript at all). */
const TYPESCRIPT = /\.(c|m)?tsx?$/;

/**
 * Loads the contract a module exports. `spec` is a path, relative to `cwd`, optionally followed by
 * `#name` to pick an export; without it the module must export exactly one contract. TypeScript
 * modules are loaded through tsx, so a project's contract file is used as it is, unbuilt.
 *
 * @throws {@link CliFailure} with exit code `INPUT` when the file is missing, fails to load, or
 * does not export exactly the contract asked for.
 *
 * @example
 * ```ts
 * const contract = await loadContract("src/contract.ts#chat", process.cwd());
 * ```
 */
export async function loadContract(spec: string, cwd: string): Promise<AnyContract> {
  const hash = spec.lastIndexOf("#");
  const file = hash > 0 ? spec.slice(0, hash) : spec;
  const name = hash > 0 ? spec.slice(hash + 1) : undefined;
  const path = isAbsolute(file) ? file : resolve(cwd, file);
  if (!existsSync(path)) throw new CliFailure(ExitCode.INPUT, `no contract module at ${file}`);
  const exports = await importModule(path, file);
  if (name !== undefined) {
    const value = exports[name];
    if (!looksLikeContract(value)) {
      throw new CliFailure(ExitCode.INPUT, `${file} has no contract exported as ${name}`);
    }
    return value;
  }
  const found = Object.entries(exports).filter(([, value]) => looksLikeContract(value));
  const names = [...new Set(found.map(([key]) => key))];
  const distinct = new Set(found.map(([, value]) => value));
  if (distinct.size === 1) return found[0]?.[1] as AnyContract;
  if (distinct.size === 0) {
    throw new CliFailure(ExitCode.INPUT, `${file} exports no contract (made by defineContract)`);
  }
  throw new CliFailure(
    ExitCode.INPUT,
    `${file} exports several contracts (${names.join(", ")}); pick one with ${file}#name`,
  );
}

async function importModule(path: string, shown: string): Promise<Record<string, unknown>> {
  const url = pathToFileURL(path).href;
  try {
    if (TYPESCRIPT.test(path)) {
      const { tsImport } = await import("tsx/esm/api");
      return (await tsImport(url, import.meta.url)) as Record<string, unknown>;
    }
    return (await import(url)) as Record<string, unknown>;
  } catch (error) {
    const why = error instanceof Error ? error.message : String(error);
    throw new CliFailure(ExitCode.INPUT, `could not load ${shown}: ${why}`);
  }
}

/** A value defineContract made: checked by shape, since it may come from another copy of the package. */
function looksLikeContract(value: unknown): value is AnyContract {
  if (typeof value !== "object" || value === null) return false;
  const contract = value as Partial<AnyContract>;
  return (
    typeof contract.name === "string" &&
    typeof contract.fingerprint === "string" &&
    typeof contract.schema === "object" &&
    contract.client?.events instanceof Map &&
    contract.server?.requests instanceof Map
  );
}
