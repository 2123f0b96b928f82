/** The studio's steps, in the order a person works through them; each is one page under src/routes/. */
export const STEPS = [
  { id: 'data', title: 'Data' },
  { id: 'model', title: 'Model' },
  { id: 'train', title: 'Train' },
  { id: 'evaluate', title: 'Evaluate' },
  { id: 'export', title: 'Export' },
] as const;

/** Pages reachable by URL but not among the numbered steps (linked from the page they extend). */
export const EXTRA_ROUTES = [
  { id: 'clicks', title: 'Clicks' },
  { id: 'generate', title: 'Generate' },
] as const;

export type StepId = (typeof STEPS)[number]['id'];
export type RouteId = StepId | (typeof EXTRA_ROUTES)[number]['id'];

function parseHash(hash: string): RouteId {
  const id = hash.replace(/^#\/?/, '').split(/[/?]/)[0];
  return [...STEPS, ...EXTRA_ROUTES].find((s) => s.id === id)?.id ?? 'data';
}

/** Hash routing: `#/train` and friends, so every page has a URL and the back button works. */
class Router {
  current = $state<RouteId>(parseHash(location.hash));

  constructor() {
    addEventListener('hashchange', () => (this.current = parseHash(location.hash)));
  }
}

export const router = new Router();
