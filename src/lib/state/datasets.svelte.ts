import { openAttuneDb, type Db } from '../store/db.ts';
import { listDatasets } from '../store/datasets.ts';
import type { DatasetRecord } from '../store/schema.ts';

/** The stored datasets, for every page that picks one. */
class DatasetsState {
  list = $state.raw<DatasetRecord[]>([]);
  private db: Promise<Db> | null = null;

  database(): Promise<Db> {
    return (this.db ??= openAttuneDb());
  }

  async refresh(): Promise<void> {
    this.list = await listDatasets(await this.database());
  }
}

export const datasets = new DatasetsState();
