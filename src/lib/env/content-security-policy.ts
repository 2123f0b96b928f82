/**
 * The studio's Content-Security-Policy, in one place: the page's `<meta http-equiv>` tag (every
 * host keeps it), the preview server's header and the service worker's headers (which reach the
 * workers too) all take it from here, so a change to what the page may load is one line.
 */

/** The Hub hosts a download may reach; `connect-src` allows nothing else, so user data has no way out. */
export const HUB_HOSTS = ['https://huggingface.co', 'https://*.huggingface.co', 'https://*.hf.co'];

export const CSP_DIRECTIVES = {
  'default-src': ["'self'"],
  // 'wasm-unsafe-eval': the tfjs and onnxruntime WebAssembly backends compile their modules.
  // blob:: tfjs's threaded wasm build hands each pthread worker its own script as a Blob the
  // worker runs with `importScripts(blob:…)`; without it no thread starts and the workers compute
  // on one (src/workers/tf-backend.ts). A blob: URL is made only by this page's own scripts, and
  // connect-src still bounds what any script reaches (README, Privacy).
  'script-src': ["'self'", "'wasm-unsafe-eval'", 'blob:'],
  'worker-src': ["'self'", 'blob:'],
  'connect-src': ["'self'", ...HUB_HOSTS],
  // Svelte transitions and uPlot set inline styles.
  'style-src': ["'self'", "'unsafe-inline'"],
  'img-src': ["'self'", 'data:', 'blob:'],
} as const;

/** The policy as a header value; `dev` adds the dev server's hot-reload socket. */
export function contentSecurityPolicy({ dev }: { dev: boolean }): string {
  return Object.entries(CSP_DIRECTIVES)
    .map(([name, sources]) => {
      const all = dev && name === 'connect-src' ? [...sources, 'ws:'] : sources;
      return `${name} ${all.join(' ')}`;
    })
    .join('; ');
}

/**
 * COOP and COEP make the page cross-origin isolated (SharedArrayBuffer, precise timers for the
 * wasm threads). A meta tag cannot set them: the host's headers or the service worker do.
 */
export const ISOLATION_HEADERS = {
  'Cross-Origin-Opener-Policy': 'same-origin',
  'Cross-Origin-Embedder-Policy': 'require-corp',
} as const;
