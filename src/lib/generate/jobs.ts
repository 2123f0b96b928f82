/**
 * Generation jobs in IndexedDB (`generations` store): the job entry (-1) and one entry per
 * finished document, written as each document finishes, so a reload resumes where it stopped.
 */
import type { Db } from '../store/db.ts';
import type { GenerationEntry } from '../store/schema.ts';
import type { DocumentQueries } from './generator.ts';
import type { GeneratedQuery } from './review.ts';

export type GenerationJob = Extract<GenerationEntry, { kind: 'job' }>;

const jobRange = (id: string) => IDBKeyRange.bound([id, -1], [id, Number.MAX_SAFE_INTEGER]);

export async function saveJob(db: Db, job: GenerationJob): Promise<void> {
  await db.put('generations', job);
}

/** The newest job, or null when there is none. */
export async function latestJob(db: Db): Promise<GenerationJob | null> {
  const all = await db.getAll('generations');
  const jobs = all.filter((e): e is GenerationJob => e.kind === 'job');
  return jobs.reduce<GenerationJob | null>((a, b) => (a && a.created >= b.created ? a : b), null);
}

/** One document's queries and the job's new resume point, in one transaction. */
export async function recordDocument(
  db: Db,
  job: GenerationJob,
  step: DocumentQueries,
): Promise<GenerationJob> {
  const next: GenerationJob = {
    ...job,
    nextDocument: step.document + 1,
    status: step.document + 1 >= job.corpus.length ? 'done' : job.status,
  };
  const tx = db.transaction('generations', 'readwrite');
  await Promise.all([
    tx.store.put({
      jobId: job.jobId,
      index: step.document,
      kind: 'document',
      queries: step.queries.map((q) => q.text),
      unparsable: step.unparsable,
    }),
    tx.store.put(next),
    tx.done,
  ]);
  return next;
}

/** Every query generated so far, in document order. */
export async function readQueries(db: Db, jobId: string): Promise<GeneratedQuery[]> {
  const entries = await db.getAll('generations', jobRange(jobId));
  return entries.flatMap((e) =>
    e.kind === 'document' ? e.queries.map((text) => ({ document: e.index, text })) : [],
  );
}

export async function deleteJob(db: Db, jobId: string): Promise<void> {
  await db.delete('generations', jobRange(jobId));
}
