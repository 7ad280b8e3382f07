/**
 * Progress on stderr for the long parts: one line per step (updated in place on a terminal),
 * with the elapsed time of the part, so stdout stays free for results.
 */
const tty = process.stderr.isTTY;

export class Progress {
  constructor(part, { quiet = false } = {}) {
    this.part = part;
    this.quiet = quiet;
    this.t0 = performance.now();
    this.open = false;
  }

  elapsed() {
    return (performance.now() - this.t0) / 1000;
  }

  /** A step in progress ("frequency sweep 3/8"); replaced by the next one on a terminal. */
  step(message) {
    if (this.quiet) return;
    const line = `[${this.part} ${this.elapsed().toFixed(0).padStart(3)} s] ${message}`;
    if (tty) {
      process.stderr.write(`\r\x1b[2K${line}`);
      this.open = true;
    } else {
      process.stderr.write(`${line}\n`);
    }
  }

  /** A line that stays (a finished step, a note, a skipped peer). */
  note(message) {
    if (this.quiet) return;
    if (this.open) process.stderr.write("\r\x1b[2K");
    this.open = false;
    process.stderr.write(`[${this.part} ${this.elapsed().toFixed(0).padStart(3)} s] ${message}\n`);
  }

  done() {
    this.note(`done in ${this.elapsed().toFixed(1)} s`);
  }
}
