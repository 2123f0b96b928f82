import { DatasetError } from './errors.ts';

/**
 * What a column feeds: the query, its positive, one hard negative, a score, the positive's
 * relevance grade, or nothing.
 */
export type ColumnRole = 'query' | 'positive' | 'negative' | 'score' | 'grade' | 'ignore';

/** The column assignment the person sees and may correct before an import. */
export interface ColumnMapping {
  /** Column names: the CSV/TSV header row, or the JSON Lines object keys. */
  header: string[];
  /** False when the first CSV/TSV row is already data (columns are then named "column 1", …). */
  hasHeader: boolean;
  /** One role per column of `header`. */
  roles: ColumnRole[];
}

/** A mapping checked against the rules: column indices (JSON Lines: keys are `header[i]`). */
export interface ResolvedColumns {
  names: string[];
  query: number;
  positive: number;
  negatives: number[];
  score: number | null;
  grade: number | null;
}

/** The columns as the report names them. */
export interface ReportColumns {
  query: string;
  positive: string;
  negatives: string[];
  score: string | null;
  /** Only when a column holds relevance grades. */
  grade?: string;
  ignored: string[];
}

/**
 * Header synonyms, best first: when two columns match one role, the better name wins and the other
 * is ignored ("answer" beats "text"). Names are compared lower-cased, with spaces and dashes read
 * as underscores.
 */
const SYNONYMS: Record<'query' | 'positive' | 'score' | 'grade', string[]> = {
  query: ['query', 'anchor', 'question', 'queries', 'anchors', 'questions'],
  positive: ['positive', 'document', 'passage', 'answer', 'text', 'positives', 'documents'],
  score: ['score', 'label'],
  grade: ['grade', 'relevance', 'relevance_grade', 'rel', 'qrel'],
};
/** negative, negatives, negative_1, negative2, hard_negative_3, … */
const NEGATIVE = /^(hard_)?negatives?(_?\d+)?$/;

const normalise = (name: string) =>
  name
    .trim()
    .toLowerCase()
    .replace(/[\s-]+/g, '_');

/** Roles for a header by name; unknown names are ignored. */
export function detectColumns(header: string[]): ColumnMapping {
  const names = header.map(normalise);
  const roles: ColumnRole[] = names.map((n) => (NEGATIVE.test(n) ? 'negative' : 'ignore'));
  for (const role of ['query', 'positive', 'score', 'grade'] as const) {
    let best = -1;
    let bestRank = Infinity;
    names.forEach((n, i) => {
      const rank = SYNONYMS[role].indexOf(n);
      if (rank !== -1 && rank < bestRank && roles[i] === 'ignore') {
        best = i;
        bestRank = rank;
      }
    });
    if (best !== -1) roles[best] = role;
  }
  return { header: [...header], hasHeader: true, roles };
}

/** For a file without a header row: column 1 is the query, column 2 the positive, the rest negatives. */
export function positionalMapping(width: number): ColumnMapping {
  return {
    header: Array.from({ length: width }, (_, i) => `column ${i + 1}`),
    hasHeader: false,
    roles: Array.from({ length: width }, (_, i) =>
      i === 0 ? 'query' : i === 1 ? 'positive' : 'negative',
    ),
  };
}

const quoteList = (names: string[]) => names.map((n) => `"${n}"`).join(', ');

/** What keeps a mapping from being usable, in words; empty when it is fine. */
export function mappingProblems(mapping: ColumnMapping): string[] {
  const problems: string[] = [];
  if (mapping.roles.length !== mapping.header.length) {
    problems.push(
      `the mapping gives ${mapping.roles.length} roles for ${mapping.header.length} columns`,
    );
  }
  const count = (role: ColumnRole) => mapping.roles.filter((r) => r === role).length;
  const columns = `the columns are ${quoteList(mapping.header)}`;
  if (count('query') === 0) {
    problems.push(`no query column (name one "query", "anchor" or "question"); ${columns}`);
  }
  if (count('positive') === 0) {
    problems.push(
      `no positive column (name one "positive", "document", "passage", "answer" or "text"); ${columns}`,
    );
  }
  for (const role of ['query', 'positive', 'score', 'grade'] as const) {
    if (count(role) > 1) problems.push(`more than one ${role} column`);
  }
  return problems;
}

/** Column indices for a usable mapping; a DatasetError naming the first problem otherwise. */
export function resolveColumns(mapping: ColumnMapping, file: string): ResolvedColumns {
  const problems = mappingProblems(mapping);
  if (problems.length) throw new DatasetError('columns', file, problems[0]);
  const { roles } = mapping;
  const score = roles.indexOf('score');
  const grade = roles.indexOf('grade');
  return {
    names: mapping.header,
    query: roles.indexOf('query'),
    positive: roles.indexOf('positive'),
    negatives: roles.flatMap((r, i) => (r === 'negative' ? [i] : [])),
    score: score === -1 ? null : score,
    grade: grade === -1 ? null : grade,
  };
}

export function describeColumns(mapping: ColumnMapping): ReportColumns {
  const { header, roles } = mapping;
  const named = (role: ColumnRole) => header.filter((_, i) => roles[i] === role);
  return {
    query: named('query')[0],
    positive: named('positive')[0],
    negatives: named('negative'),
    score: named('score')[0] ?? null,
    ...(roles.includes('grade') ? { grade: named('grade')[0] } : {}),
    ignored: named('ignore'),
  };
}
