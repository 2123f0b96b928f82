/** A fault confined to one physical line (1-based): the row that contains the line is rejected. */
export interface LineFault {
  line: number;
  reason: string;
}

/** One fault per line that holds a NUL character, with its column. */
export function nulFaults(text: string, firstLine: number): LineFault[] {
  const faults: LineFault[] = [];
  let line = firstLine;
  let lineStart = 0;
  let newline = text.indexOf('\n');
  for (let nul = text.indexOf('\0'); nul !== -1; nul = text.indexOf('\0', nul + 1)) {
    while (newline !== -1 && newline < nul) {
      line++;
      lineStart = newline + 1;
      newline = text.indexOf('\n', lineStart);
    }
    if (faults.at(-1)?.line !== line) {
      faults.push({ line, reason: `NUL byte at column ${nul - lineStart + 1}` });
    }
  }
  return faults;
}

/** The faults not yet matched to a record, consumed in line order. */
export class FaultQueue {
  private faults: LineFault[] = [];
  private at = 0;

  add(faults: LineFault[]): void {
    if (faults.length === 0) return;
    if (this.at === this.faults.length) {
      this.faults = faults.slice();
      this.at = 0;
    } else this.faults.push(...faults);
  }

  /** The reason of the first fault on lines `start..end`, naming its line when it is not `start`. */
  within(start: number, end: number): string | null {
    const { faults } = this;
    while (this.at < faults.length && faults[this.at].line < start) this.at++;
    const fault = faults[this.at];
    if (!fault || fault.line > end) return null;
    return fault.line === start ? fault.reason : `${fault.reason} (line ${fault.line})`;
  }
}
