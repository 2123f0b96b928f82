/** The studio's steps, in the order a person works through them; each is one page under src/routes/. */
export const STEPS = [
  { id: 'data', title: 'Data' },
  { id: 'model', title: 'Model' },
  { id: 'train', title: 'Train' },
  { id: 'evaluate', title: 'Evaluate' },
  { id: 'export', title: 'Export' },
] as const;

export type StepId = (typeof STEPS)[number]['id'];

function parseHash(hash: string): StepId {
  const id = hash.replace(/^#\/?/, '').split(/[/?]/)[0];
  return STEPS.find((s) => s.id === id)?.id ?? 'data';
}

/** Hash routing: `#/train` and friends, so every page has a URL and the back button works. */
class Router {
  current = $state<StepId>(parseHash(location.hash));

  constructor() {
    addEventListener('hashchange', () => (this.current = parseHash(location.hash)));
  }
}

export const router = new Router();
