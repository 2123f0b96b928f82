import type { ClickLog } from './log.ts';

/** One query's result list as it was shown: its rows (event indices) sorted by position. */
export interface ResultList {
  query: string;
  /** Index into `PreparedLog.sessions`. */
  session: number;
  /** When it was shown (ms); null when the log has no timestamps. */
  time: number | null;
  rows: number[];
  /** Rows of `rows` that were clicked, top to bottom. */
  clicks: number[];
}

export interface PreparedLog {
  log: ClickLog;
  lists: ResultList[];
  /** Each session's lists in the order they were shown. */
  sessions: number[][];
}

/**
 * Groups the rows into result lists and sessions. A result list is the rows that share a session,
 * a query and a timestamp; without timestamps, a run of adjacent rows with the same session and
 * query (a log writes a list's rows together). Without a session column each list is a session of
 * its own. Lists of a session are ordered by time, then by where they start in the file.
 */
export function prepareLog(log: ClickLog): PreparedLog {
  const lists: ResultList[] = [];
  const byKey = new Map<string, number>();
  const sessionIndex = new Map<string, number>();
  const sessions: number[][] = [];
  let run = 0;
  let previous = '';
  log.events.forEach((e, row) => {
    const head = `${e.session ?? ''}\u0000${e.query}`;
    if (head !== previous) run++;
    previous = head;
    const key = `${head}\u0000${e.time ?? `run ${run}`}`;
    let index = byKey.get(key);
    if (index === undefined) {
      index = lists.length;
      byKey.set(key, index);
      let session = e.session === null ? undefined : sessionIndex.get(e.session);
      if (session === undefined) {
        session = sessions.length;
        sessions.push([]);
        if (e.session !== null) sessionIndex.set(e.session, session);
      }
      sessions[session].push(index);
      lists.push({ query: e.query, session, time: e.time, rows: [], clicks: [] });
    }
    lists[index].rows.push(row);
  });
  const position = (row: number) => log.events[row].position;
  for (const list of lists) {
    list.rows.sort((a, b) => position(a) - position(b) || a - b);
    list.clicks = list.rows.filter((r) => log.events[r].clicked);
  }
  for (const session of sessions) {
    session.sort((a, b) => (lists[a].time ?? 0) - (lists[b].time ?? 0) || a - b);
  }
  return { log, lists, sessions };
}
