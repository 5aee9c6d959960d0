import { readFileSync } from "node:fs";
import os from "node:os";

/** The machine a run was taken on, as the report states it. */
export interface MachineInfo {
  cpus: number;
  cpuModel: string;
  memGiB: number;
  platform: string;
  node: string;
}

/** Reads the CPU count, model (from /proc/cpuinfo where there is one), memory and Node version. */
export function machineInfo(): MachineInfo {
  let cpuModel = os.cpus()[0]?.model ?? "unknown";
  try {
    const match = /^model name\s*:\s*(.+)$/m.exec(readFileSync("/proc/cpuinfo", "utf8"));
    if (match?.[1]) cpuModel = match[1].trim();
  } catch {
    // Not Linux: os.cpus() already gave the model.
  }
  return {
    cpus: os.availableParallelism(),
    cpuModel,
    memGiB: Math.round((os.totalmem() / 1024 ** 3) * 10) / 10,
    platform: `${os.platform()} ${os.release()} ${os.arch()}`,
    node: process.version,
  };
}
