import type { DatasetPreview } from '../data/sniff.ts';

const DELIMITERS: Record<string, string> = {
  ',': 'comma-separated',
  '\t': 'tab-separated',
  ';': 'semicolon-separated',
  '|': 'pipe-separated',
};

/** "CSV, comma-separated, UTF-8" / "JSON Lines, UTF-16LE with BOM". */
export function formatName(preview: DatasetPreview): string {
  const format = preview.format === 'jsonl' ? 'JSON Lines' : preview.format.toUpperCase();
  const delimiter = preview.delimiter === null ? null : DELIMITERS[preview.delimiter];
  const encoding = `${preview.encoding.name.toUpperCase()}${preview.encoding.bom ? ' with BOM' : ''}`;
  return [format, delimiter, encoding].filter(Boolean).join(', ');
}

/** At most `max` characters, with an ellipsis when cut: a 10 MB cell must not reach the DOM. */
export const clip = (text: string, max: number) =>
  text.length <= max ? text : `${text.slice(0, max - 1)}…`;

const grouped = new Intl.NumberFormat('en-US');

/** 1234567 → "1,234,567". One formatter for all: `toLocaleString` builds a new one per call. */
export const count = (n: number) => grouped.format(n);

/** "12,345 rows/s"; "—" before there is a rate. */
export const rowsPerSecond = (rate: number) =>
  rate > 0 ? `${count(Math.round(rate))} rows/s` : '— rows/s';

/** A dataset's creation time as the list shows it: "2026-11-21 22:40". */
export function formatCreated(ms: number): string {
  const d = new Date(ms);
  const two = (n: number) => String(n).padStart(2, '0');
  return `${d.getFullYear()}-${two(d.getMonth() + 1)}-${two(d.getDate())} ${two(d.getHours())}:${two(d.getMinutes())}`;
}
