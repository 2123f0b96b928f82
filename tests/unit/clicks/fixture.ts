import { simulateClickLog, toCsv, type Topic } from './simulate.ts';

/** Where the committed click-log fixture lives (the end-to-end test imports these files). */
export const FIXTURE_DIR = new URL('../../fixtures/clicks/', import.meta.url).pathname;

/** A support-desk search: per topic, a query and its reformulation, and the documents a ranker shows. */
const TOPICS: { queries: string[]; docs: [string, number][] }[] = [
  {
    queries: ['reset my password', 'reset password email'],
    docs: [
      ['Open the login page and reset the password from the account page.', 0.9],
      ['We send a reset email when you ask for a new password.', 0.7],
      ['The invoice for this plan is in the billing dashboard.', 0.1],
      ['Your account is locked after five failed login attempts.', 0.3],
      ['Change the email of your account in the settings page.', 0.15],
      ['Upload a new image for your account.', 0.05],
    ],
  },
  {
    queries: ['server crashes after update', 'server crash memory error'],
    docs: [
      ['After the upgrade the server crashed because of a memory error.', 0.85],
      ['Restart the server then check the logs for the crash report.', 0.6],
      ['The cluster has a new node.', 0.1],
      ['Install the patch release to fix the crash on old servers.', 0.5],
      ['Your refund was charged back to the card.', 0.05],
      ['The web app shows a new page after the update.', 0.2],
    ],
  },
  {
    queries: ['database query is slow', 'slow query cache'],
    docs: [
      ['Slow database queries can be fixed with a cache.', 0.9],
      ['High latency on the database is caused by a full disk.', 0.55],
      ['The queue worker ran the job twice.', 0.1],
      ['Check the query metrics in the dashboard.', 0.4],
      ['Download the invoice from the billing page.', 0.05],
      ['A large backup can lock the database at night.', 0.3],
    ],
  },
  {
    queries: ['login token expired', 'session token expire'],
    docs: [
      ['The session token expires after one hour so please login again.', 0.9],
      ['A cookie in your browser keeps the login session.', 0.4],
      ['The api key needs the admin role.', 0.2],
      ['Login on mobile fails when the app version is old.', 0.3],
      ['The order status shows in your account.', 0.05],
      ['Sync your files from the storage page.', 0.1],
    ],
  },
  {
    queries: ['refund to my card', 'refund charged twice'],
    docs: [
      ['Your refund was sent back to the card you paid with.', 0.9],
      ['A double charge on the card is refunded in one week.', 0.6],
      ['The price of the plan changes in the new version.', 0.1],
      ['Open a support ticket when a payment failed.', 0.35],
      ['Restart the worker when the queue is full.', 0.05],
      ['The invoice shows every charge of this plan.', 0.3],
    ],
  },
  {
    queries: ['permission denied on upload', 'upload file permission'],
    docs: [
      ['Upload fails with permission denied when your role cannot write files.', 0.85],
      ['An admin can change the role of a user.', 0.5],
      ['Large images upload slowly on mobile.', 0.25],
      ['The download page lists your old files.', 0.15],
      ['The server has a new port for the api.', 0.05],
      ['Storage is full when the upload fails.', 0.4],
    ],
  },
];

export const FIXTURE_SEED = 2025;

/** θ_k of the fixture: a steep, typical web-search examination curve. */
export const FIXTURE_EXAMINATION = [0.95, 0.6, 0.42, 0.3, 0.22];

export function fixtureTopics(): Topic[] {
  return TOPICS.map((t, i) => ({
    queries: t.queries,
    docs: t.docs.map(([, relevance], j) => ({ id: `doc-${i + 1}-${j + 1}`, relevance })),
  }));
}

/** The fixture's two files: the click log (doc ids only) and the document table. */
export function fixtureFiles(): { 'log.csv': string; 'docs.csv': string } {
  const rows = simulateClickLog({
    seed: FIXTURE_SEED,
    topics: fixtureTopics(),
    sessions: 120,
    depth: 5,
    examination: FIXTURE_EXAMINATION,
    rankNoise: 0.25,
    reformulate: 0.6,
  });
  const docs = TOPICS.flatMap((t, i) =>
    t.docs.map(([text], j) => `doc-${i + 1}-${j + 1},"${text.replaceAll('"', '""')}"`),
  );
  return { 'log.csv': toCsv(rows), 'docs.csv': ['id,text', ...docs].join('\n') + '\n' };
}
