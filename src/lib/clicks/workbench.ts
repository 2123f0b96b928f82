import { Sha256 } from '../data/sha256.ts';
import type { DatasetSource } from '../store/schema.ts';
import { buildClickPairs, type ClickPairs } from './build.ts';
import type { ClickMapping, DocumentMapping } from './columns.ts';
import { readDocumentTable, type DocumentTable, type DocumentTableReport } from './documents.ts';
import { prepareLog, type PreparedLog } from './lists.ts';
import { readClickLog, type ClickLogReport, type LogColumns } from './log.ts';
import { estimatePositionBias, type PropensityEstimate } from './propensity.ts';
import type { ClickRules } from './rules.ts';

/** What the page learns about a loaded log. */
export interface LogSummary {
  report: ClickLogReport;
  columns: LogColumns;
  /** The PBM estimate (null for a click-only log); it depends on the log only, not on the rules. */
  estimate: PropensityEstimate | null;
  /** Documents the log names by id only (no text of its own): these need a document table. */
  idOnlyDocuments: number;
}

/**
 * A loaded click log and document table, from which pairs are built again and again as the rules
 * change. Everything that depends on the log alone (result lists, sessions, the EM estimate) is
 * computed once at load; a rebuild is one pass over the clicks.
 */
export class ClickWorkbench {
  private prepared: PreparedLog | null = null;
  private logReport: ClickLogReport | null = null;
  private estimate: PropensityEstimate | null = null;
  private table: DocumentTable | null = null;
  /** The log file, as the dataset record names it. */
  source: DatasetSource | null = null;

  /** Reads a log; throws a DatasetError (and keeps the previous log) when it is refused. */
  loadLog(bytes: Uint8Array, options: { fileName: string; mapping: ClickMapping }): LogSummary {
    const { log, report } = readClickLog(bytes, options);
    this.prepared = prepareLog(log);
    this.logReport = report;
    this.estimate = estimatePositionBias(this.prepared);
    this.source = {
      fileName: options.fileName,
      size: bytes.length,
      sha256: new Sha256().update(bytes).hex(),
    };
    return {
      report,
      columns: log.columns,
      estimate: this.estimate,
      idOnlyDocuments: log.docs.filter((d) => d.id !== null && d.text === null).length,
    };
  }

  loadDocuments(
    bytes: Uint8Array,
    options: { fileName: string; mapping: DocumentMapping },
  ): DocumentTableReport {
    const { table, report } = readDocumentTable(bytes, options);
    this.table = table;
    return report;
  }

  clearDocuments(): void {
    this.table = null;
  }

  get loaded(): boolean {
    return this.prepared !== null;
  }

  get report(): ClickLogReport | null {
    return this.logReport;
  }

  /** The weighted pairs and the report under `rules`; null before a log is loaded. */
  build(rules: ClickRules): ClickPairs | null {
    if (!this.prepared) return null;
    return buildClickPairs(this.prepared, this.table, rules, this.estimate);
  }
}
