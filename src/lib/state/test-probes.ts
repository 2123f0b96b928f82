/**
 * What only the end-to-end tests read: the tensors a worker still holds after a run (0: the run
 * released everything). Built in when the build sets VITE_ATTUNE_E2E (playwright.config.ts); the
 * studio's own build leaves it out, and no page shows it.
 */
export type Probe = () => number | null;

declare global {
  var attuneProbes: Record<string, Probe> | undefined;
}

export function exposeToTests(name: string, probe: Probe): void {
  if (!import.meta.env.VITE_ATTUNE_E2E) return;
  (globalThis.attuneProbes ??= {})[name] = probe;
}
