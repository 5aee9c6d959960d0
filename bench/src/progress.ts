/**
 * Progress on stderr while the benchmark runs: one line rewritten in place when stderr is a
 * terminal, plain lines otherwise (CI logs, pipes). Results go to files and stdout, never here.
 */
export class Progress {
  private readonly tty: boolean;
  private readonly started = performance.now();
  private current = "";

  constructor(
    private readonly stream: NodeJS.WriteStream = process.stderr,
    private readonly enabled = true,
  ) {
    this.tty = Boolean(stream.isTTY);
  }

  /** Shows what runs now. */
  step(text: string): void {
    if (!this.enabled) return;
    this.current = `${this.elapsed()} ${text}`;
    if (this.tty) {
      const width = Math.max(20, (this.stream.columns ?? 100) - 1);
      this.stream.write(`\r\x1b[K${this.current.slice(0, width)}`);
    } else this.stream.write(`${this.current}\n`);
  }

  /** Prints a line that stays (a finished scenario, a failure), then redraws the current step. */
  note(text: string): void {
    if (!this.enabled) return;
    if (this.tty) this.stream.write(`\r\x1b[K${this.elapsed()} ${text}\n${this.current}`);
    else this.stream.write(`${this.elapsed()} ${text}\n`);
  }

  /** Clears the live line at the end. */
  finish(): void {
    if (this.enabled && this.tty) this.stream.write("\r\x1b[K");
  }

  private elapsed(): string {
    const seconds = Math.round((performance.now() - this.started) / 1000);
    return `[${String(Math.floor(seconds / 60)).padStart(2, "0")}:${String(seconds % 60).padStart(2, "0")}]`;
  }
}
