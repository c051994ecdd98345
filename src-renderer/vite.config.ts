// Vite build of the renderer: `vite build --config src-renderer/vite.config.ts` → src-renderer/dist.
// Relative base so the packaged app can load it from file://. The CSP meta tag in index.html must
// match the policy main.ts sends as a header; the build stops if they drift apart.

import { svelte } from '@sveltejs/vite-plugin-svelte';
import { defineConfig, type Plugin } from 'vite';
import { RENDERER_CSP, devRendererCsp } from '../src-main/ipc/csp.js';

const root = import.meta.dirname;
const CSP_META = /(<meta http-equiv="Content-Security-Policy" content=")([^"]*)(")/;

function cspMeta(): Plugin {
  return {
    name: 'havre-csp-meta',
    transformIndexHtml: {
      order: 'pre',
      handler(html, ctx) {
        const match = CSP_META.exec(html);
        if (match === null) throw new Error('src-renderer/index.html must carry the Content-Security-Policy meta tag');
        if (match[2] !== RENDERER_CSP) {
          throw new Error(`CSP meta tag differs from src-main/ipc/csp.ts:\n  html: ${match[2]}\n  csp.ts: ${RENDERER_CSP}`);
        }
        if (ctx.server === undefined) return html;
        // Dev server only: Vite injects styles inline and keeps a hot-reload WebSocket.
        const port = ctx.server.config.server.port ?? 5173;
        return html.replace(CSP_META, `$1${devRendererCsp(`http://localhost:${port}`)}$3`);
      },
    },
  };
}

export default defineConfig({
  root,
  base: './',
  publicDir: `${root}/public`,
  plugins: [cspMeta(), svelte()],
  build: {
    outDir: `${root}/dist`,
    emptyOutDir: true,
    target: 'es2022',
    sourcemap: false,
    assetsInlineLimit: 0,
    modulePreload: { polyfill: false },
  },
  server: { host: '127.0.0.1', port: 5173, strictPort: true },
});
