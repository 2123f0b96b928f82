import type { ReportColumns } from './columns.ts';
import type { TextEncodingName } from './encoding.ts';
import type { DatasetFormat } from './format.ts';

/** A row that was skipped, at the physical line where its record starts (1-based). */
export interface RowRejection {
  line: number;
  reason: string;
}

/**
 * - `duplicate`: the same query, positive, negatives and score as an earlier row: dropped;
 * - `query-equals-positive`, `whitespace`: kept, but probably a mistake;
 * - `truncated`: a cell longer than `maxChars`, kept with its first `maxChars` characters.
 */
export type WarningKind = 'duplicate' | 'query-equals-positive' | 'whitespace' | 'truncated';

/** Something odd about a row that is kept (all but `duplicate`). */
export interface RowWarning {
  line: number;
  kind: WarningKind;
  message: string;
}

/**
 * Everything the parser found, as plain JSON (the CLI writes it; the studio offers it as a
 * download). `rows` counts data records (not the header, not blank lines):
 * `rows = accepted + rejected + duplicates`, where `rejected` counts past the listing limit too.
 */
export interface DatasetReport {
  file: string;
  format: DatasetFormat | null;
  /** `,`, `;`, `|` or a tab for delimited text; null for JSON Lines or a refused file. */
  delimiter: string | null;
  encoding: TextEncodingName | null;
  bom: boolean;
  rows: number;
  accepted: number;
  duplicates: number;
  rejected: RowRejection[];
  warnings: RowWarning[];
  /** Rejections and warnings left out of the lists above once they reached the listing limit. */
  omitted: { rejected: number; warnings: number };
  columns: ReportColumns | null;
  /** Why the whole file was refused; null when it was read. */
  refused: string | null;
}

const plural = (n: number, one: string, many = `${one}s`) =>
  `${n.toLocaleString('en-US')} ${n === 1 ? one : many}`;

const DELIMITER_NAMES: Record<string, string> = {
  ',': 'comma-separated',
  '\t': 'tab-separated',
  ';': 'semicolon-separated',
  '|': 'pipe-separated',
};

const WARNING_NAMES: Record<WarningKind, [string, string]> = {
  duplicate: ['duplicate dropped', 'duplicates dropped'],
  'query-equals-positive': [
    'query identical to its positive',
    'queries identical to their positive',
  ],
  whitespace: ['whitespace-only cell', 'whitespace-only cells'],
  truncated: ['cell truncated', 'cells truncated'],
};

/** The report in one paragraph, for the CLI and the studio's import summary. */
export function summariseReport(report: DatasetReport): string {
  const kind = [
    report.format?.toUpperCase(),
    report.delimiter && report.format !== 'jsonl' ? DELIMITER_NAMES[report.delimiter] : null,
    report.encoding && `${report.encoding.toUpperCase()}${report.bom ? ' with BOM' : ''}`,
  ].filter(Boolean);
  const head = `${report.file}${kind.length ? ` (${kind.join(', ')})` : ''}`;
  if (report.refused) return `${head}: refused — ${report.refused}.`;

  const rejectedCount = report.rejected.length + report.omitted.rejected;
  const parts = [
    `${plural(report.rows, 'row')} read`,
    `${report.accepted.toLocaleString('en-US')} accepted`,
  ];
  if (rejectedCount) {
    const shown = report.rejected
      .slice(0, 3)
      .map((r) => `line ${r.line}: ${r.reason}`)
      .join('; ');
    const more = rejectedCount > 3 ? `; and ${rejectedCount - 3} more` : '';
    parts.push(`${rejectedCount.toLocaleString('en-US')} rejected (${shown}${more})`);
  }
  // Duplicates are counted in full; the other kinds as far as the warnings are listed.
  const counts = new Map<WarningKind, number>();
  if (report.duplicates) counts.set('duplicate', report.duplicates);
  for (const w of report.warnings) {
    if (w.kind !== 'duplicate') counts.set(w.kind, (counts.get(w.kind) ?? 0) + 1);
  }
  for (const [k, n] of counts) {
    const [one, many] = WARNING_NAMES[k];
    parts.push(`${n.toLocaleString('en-US')} ${n === 1 ? one : many}`);
  }
  if (report.omitted.warnings) parts.push(`${report.omitted.warnings} more warnings not listed`);

  const c = report.columns;
  const columns = c
    ? ` Columns: query "${c.query}", positive "${c.positive}"` +
      (c.negatives.length ? `, negatives ${c.negatives.map((n) => `"${n}"`).join(', ')}` : '') +
      (c.score ? `, score "${c.score}"` : '') +
      (c.grade ? `, relevance grade "${c.grade}"` : '') +
      '.'
    : '';
  return `${head}: ${parts.join(', ')}.${columns}`;
}
