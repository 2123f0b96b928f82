import {
  detectColumns,
  resolveColumns,
  type ColumnMapping,
  type ResolvedColumns,
} from './columns.ts';
import type { TextBlock } from './encoding.ts';
import { FaultQueue } from './faults.ts';
import { jsonErrorIndex } from './json-syntax.ts';
import type { TrainingPair } from './pairs.ts';
import type { RowValidator } from './validate.ts';

function invalidJson(text: string): string {
  const at = jsonErrorIndex(text);
  if (at >= text.length) return 'invalid JSON: the line ends before the value is complete';
  const shown = JSON.stringify(text[at] ?? '');
  return `invalid JSON at column ${at + 1} (unexpected ${shown})`;
}

const describe = (v: unknown) =>
  v === null ? 'null' : Array.isArray(v) ? 'an array' : `a ${typeof v}`;

/**
 * Reads JSON Lines: one object per line, its keys naming the columns (the first object's keys
 * when no mapping is given). A negative column may hold an array of texts.
 */
export class JsonlReader {
  mapping: ColumnMapping | null;
  private columns: ResolvedColumns | null = null;
  sawContent = false;
  private line = 1;
  private readonly faults = new FaultQueue();

  constructor(
    private readonly file: string,
    mapping: ColumnMapping | undefined,
    private readonly validator: RowValidator,
  ) {
    this.mapping = mapping ?? null;
  }

  push(block: TextBlock, out: TrainingPair[]): void {
    this.faults.add(block.faults);
    const lines = block.text.split('\n');
    // A block ends with a line break (but for the file's last line), leaving one empty piece.
    const count = lines.at(-1) === '' ? lines.length - 1 : lines.length;
    for (let k = 0; k < count; k++) this.readLine(lines[k], this.line++, out);
  }

  private readLine(text: string, line: number, out: TrainingPair[]): void {
    if (text.trim() === '') return;
    this.sawContent = true;
    const fault = this.faults.within(line, line);
    if (fault) return this.validator.reject(line, fault);
    let value: unknown;
    try {
      value = JSON.parse(text);
    } catch {
      return this.validator.reject(line, invalidJson(text));
    }
    if (typeof value !== 'object' || value === null || Array.isArray(value)) {
      return this.validator.reject(line, `expected a JSON object, found ${describe(value)}`);
    }
    const row = value as Record<string, unknown>;
    if (!this.columns) this.useMapping(this.mapping ?? detectColumns(Object.keys(row)));
    this.validator.check(line, ...this.layOut(row), out);
  }

  /**
   * The record's values in the order `check` reads them: query, positive, score, grade, then each negative
   * (array entries one by one, named "negatives[0]", …).
   */
  private layOut(row: Record<string, unknown>): [unknown[], ResolvedColumns] {
    const c = this.columns as ResolvedColumns;
    const { names } = c;
    // Own keys only: a missing "constructor" key must read as missing, not as Object's.
    const get = (key: string) => (Object.hasOwn(row, key) ? row[key] : undefined);
    const cells = [
      get(names[c.query]),
      get(names[c.positive]),
      c.score === null ? null : get(names[c.score]),
      c.grade === null ? null : get(names[c.grade]),
    ];
    const cellNames = [
      names[c.query],
      names[c.positive],
      c.score === null ? '' : names[c.score],
      c.grade === null ? '' : names[c.grade],
    ];
    for (const i of c.negatives) {
      const cell = get(names[i]);
      if (Array.isArray(cell)) {
        cell.forEach((v, j) => {
          cells.push(v);
          cellNames.push(`${names[i]}[${j}]`);
        });
      } else {
        cells.push(cell);
        cellNames.push(names[i]);
      }
    }
    const negatives = Array.from({ length: cells.length - 4 }, (_, k) => k + 4);
    return [
      cells,
      {
        names: cellNames,
        query: 0,
        positive: 1,
        score: c.score === null ? null : 2,
        grade: c.grade === null ? null : 3,
        negatives,
      },
    ];
  }

  private useMapping(mapping: ColumnMapping): void {
    this.mapping = mapping;
    this.columns = resolveColumns(mapping, this.file);
  }
}
