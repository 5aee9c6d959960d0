import type { CliIo } from "../io.js";

/**
 * The progress line of a run on stderr, at most once a second: rewritten in place on a terminal,
 * one line each time otherwise (so that a log keeps them). It reads the numbers it shows through
 * `read`, so the run's loops never pay for it.
 *
 * @example
 * ```ts
 * const progress = new Progress(io, () => `${sent} sent`);
 * ...
 * progress.stop();
 * ```
 */
export class Progress {
  private readonly timer: NodeJS.Timeout;
  private shown = false;

  constructor(
    private readonly io: CliIo,
    private readonly read: () => string,
    everyMs = 1000,
  ) {
    this.timer = setInterval(() => this.show(), everyMs);
    this.timer.unref();
  }

  stop(): void {
    clearInterval(this.timer);
    if (this.shown && this.io.errIsTerminal) this.io.err("\n");
  }

  private show(): void {
    this.shown = true;
    this.io.err(this.io.errIsTerminal ? `\r\x1b[K${this.read()}` : `${this.read()}\n`);
  }
}
