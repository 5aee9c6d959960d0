import { type ChildProcess, spawn, spawnSync } from "node:child_process";
import { until } from "../../src/wait.js";

/** One TCP segment of a capture: ports and the FIN/RST flags. */
export interface Segment {
  src: number;
  dst: number;
  fin: boolean;
  rst: boolean;
}

/** True when a `tshark` binary is on PATH. */
export function hasTshark(): boolean {
  return spawnSync("tshark", ["--version"], { stdio: "ignore", timeout: 10_000 }).status === 0;
}

/**
 * A live tshark capture of one TCP port on the loopback interface, printing the ports and the
 * FIN and RST flags of every segment.
 */
export class Capture {
  readonly segments: Segment[] = [];
  private stderr = "";
  private partial = "";
  private exited = false;

  private constructor(private readonly child: ChildProcess) {
    child.stdout?.setEncoding("utf8");
    child.stdout?.on("data", (text: string) => this.onLines(text));
    child.stderr?.setEncoding("utf8");
    child.stderr?.on("data", (text: string) => {
      this.stderr += text;
    });
    child.once("exit", () => {
      this.exited = true;
    });
  }

  /**
   * Starts capturing `tcp port <port>` on `lo`. Resolves once tshark says it is capturing, or
   * with `undefined` and tshark's words when it cannot (no permission to capture, no `lo`).
   */
  static async start(port: number): Promise<{ capture?: Capture; problem?: string }> {
    const child = spawn(
      "tshark",
      [
        "-i",
        "lo",
        "-f",
        `tcp port ${port}`,
        "-l",
        "-T",
        "fields",
        "-E",
        "separator=,",
        "-e",
        "tcp.srcport",
        "-e",
        "tcp.dstport",
        "-e",
        "tcp.flags.fin",
        "-e",
        "tcp.flags.reset",
      ],
      { stdio: ["ignore", "pipe", "pipe"] },
    );
    const capture = new Capture(child);
    try {
      await until(
        () => /Capturing on/.test(capture.stderr) || capture.exited,
        "tshark start",
        20_000,
        20,
      );
    } catch {
      child.kill("SIGKILL");
      return { problem: "tshark did not start capturing within 20 s" };
    }
    if (capture.exited) return { problem: capture.stderr.trim() || "tshark exited" };
    return { capture };
  }

  /** Stops the capture (after a grace period for the last segments) and returns them. */
  async stop(): Promise<Segment[]> {
    await new Promise((resolve) => setTimeout(resolve, 500));
    this.child.kill("SIGINT");
    await until(() => this.exited, "tshark exit", 10_000, 20);
    this.onLines("\n");
    return this.segments;
  }

  private onLines(text: string): void {
    const lines = (this.partial + text).split("\n");
    this.partial = lines.pop() ?? "";
    for (const line of lines) {
      const [src, dst, fin, rst] = line.trim().split(",");
      if (!src || !dst) continue;
      // tshark 4 prints flags as True/False; older versions as 1/0.
      const on = (v: string | undefined) => v === "1" || v === "True";
      this.segments.push({ src: Number(src), dst: Number(dst), fin: on(fin), rst: on(rst) });
    }
  }
}
