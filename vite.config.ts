/// <reference types="vitest/config" />
import { defineConfig, type Plugin } from 'vite';
import { svelte } from '@sveltejs/vite-plugin-svelte';
import { hubMirror } from './tests/support/hub-mirror.ts';

/** The Hub hosts a download may reach; `connect-src` allows nothing else, so user data has no way out. */
const HUB_HOSTS = ['https://huggingface.co', 'https://*.huggingface.co', 'https://*.hf.co'];

function securityHeaders(dev: boolean): Record<string, string> {
  const connect = ["'self'", ...HUB_HOSTS, ...(dev ? ['ws:'] : [])].join(' ');
  return {
    'Cross-Origin-Opener-Policy': 'same-origin',
    'Cross-Origin-Embedder-Policy': 'require-corp',
    'Content-Security-Policy': [
      "default-src 'self'",
      "script-src 'self' 'wasm-unsafe-eval'",
      "worker-src 'self' blob:",
      `connect-src ${connect}`,
      "style-src 'self' 'unsafe-inline'",
      "img-src 'self' data: blob:",
    ].join('; '),
  };
}

/** Local stand-in for the Hub, used by the end-to-end tests only (ATTUNE_HUB_MIRROR=dir). */
function hubMirrorPlugin(): Plugin {
  const dir = process.env.ATTUNE_HUB_MIRROR;
  return {
    name: 'attune-hub-mirror',
    configureServer: (server) =>
      void (dir && server.middlewares.use('/hub-mirror', hubMirror(dir))),
    configurePreviewServer: (server) =>
      void (dir && server.middlewares.use('/hub-mirror', hubMirror(dir))),
  };
}

export default defineConfig({
  plugins: [svelte(), hubMirrorPlugin()],
  server: { headers: securityHeaders(true) },
  preview: { headers: securityHeaders(false), port: 4173 },
  worker: { format: 'es' },
  build: {
    target: 'es2022',
    chunkSizeWarningLimit: 4096,
    // The end-to-end tests drive real workers through a harness page, built only for them.
    rollupOptions: process.env.ATTUNE_E2E_HARNESS
      ? { input: { main: 'index.html', harness: 'tests/e2e/harness/index.html' } }
      : undefined,
  },
  test: {
    include: ['tests/unit/**/*.test.ts'],
    environment: 'node',
    testTimeout: 60_000,
    pool: 'forks',
  },
});
