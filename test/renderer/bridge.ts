// Renderer test host: serves a built renderer (src-renderer/dist, or a fresh build) over HTTP on
// 127.0.0.1 and gives its page a `window.havre` that speaks the same contract as the Electron
// preload, forwarded with Playwright's exposeBinding to an EngineApi object in this Node process.
// Requests go through the same dispatcher the engine process uses (src-main/ipc/dispatch.ts), so
// validation and error scrubbing are the real ones. No socket is needed for the bridge itself.

import { createReadStream } from 'node:fs';
import { stat } from 'node:fs/promises';
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import path from 'node:path';
import type { BrowserContext, Page } from 'playwright-core';
import { fail, ipcError, RENDERER_EVENTS, type EngineApi, type IpcResult, type RendererEventName, type RendererEvents } from '../../src-main/ipc/contract.js';
import { RENDERER_CSP } from '../../src-main/ipc/csp.js';
import { mapEngineError } from '../../src-main/app/engineErrors.js';
import { dispatchRequest } from '../../src-main/ipc/dispatch.js';

const MIME: Record<string, string> = {
  '.html': 'text/html; charset=utf-8',
  '.js': 'text/javascript; charset=utf-8',
  '.css': 'text/css; charset=utf-8',
  '.svg': 'image/svg+xml',
  '.png': 'image/png',
  '.json': 'application/json',
  '.woff2': 'font/woff2',
};

export interface StaticServer {
  /** http://127.0.0.1:PORT/ */
  url: string;
  close(): Promise<void>;
}

/** Serves `root` read-only, with the renderer's CSP header, on a random loopback port. */
export async function serveStatic(root: string): Promise<StaticServer> {
  const base = path.resolve(root);
  const server = http.createServer((req, res) => {
    void (async () => {
      if (req.method !== 'GET' && req.method !== 'HEAD') {
        res.writeHead(405).end();
        return;
      }
      const pathname = decodeURIComponent(new URL(req.url ?? '/', 'http://127.0.0.1').pathname);
      const file = path.resolve(base, `.${pathname.endsWith('/') ? `${pathname}index.html` : pathname}`);
      if (file !== base && !file.startsWith(base + path.sep)) {
        res.writeHead(403).end();
        return;
      }
      const info = await stat(file).catch(() => null);
      if (info === null || !info.isFile()) {
        res.writeHead(404).end();
        return;
      }
      res.writeHead(200, {
        'Content-Type': MIME[path.extname(file)] ?? 'application/octet-stream',
        'Content-Length': info.size,
        'Content-Security-Policy': RENDERER_CSP,
        'X-Content-Type-Options': 'nosniff',
        'Cache-Control': 'no-store',
      });
      if (req.method === 'HEAD') res.end();
      else createReadStream(file).pipe(res);
    })().catch(() => {
      if (!res.headersSent) res.writeHead(500);
      res.end();
    });
  });
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => resolve());
  });
  const { port } = server.address() as AddressInfo;
  return {
    url: `http://127.0.0.1:${port}/`,
    close: () =>
      new Promise<void>((resolve) => {
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  };
}

/** The page-side half, run before any page script: the test-bridge twin of src-main/preload/api.ts. */
function installHavreShim(eventNames: readonly string[]): void {
  type Listener = (payload: unknown) => void;
  interface ShimGlobal {
    havre?: unknown;
    __havreInvoke?: (channel: unknown, request: unknown) => Promise<unknown>;
    __havreEmit?: (name: string, payload: unknown) => void;
  }
  const g = globalThis as unknown as ShimGlobal;
  const listeners = new Map<string, Set<Listener>>(eventNames.map((name) => [name, new Set<Listener>()]));
  const subscribe = (name: string) => (listener: Listener) => {
    if (typeof listener !== 'function') throw new TypeError('listener must be a function');
    const set = listeners.get(name);
    set?.add(listener);
    return () => {
      set?.delete(listener);
    };
  };
  Object.defineProperty(g, '__havreEmit', {
    value: (name: string, payload: unknown) => {
      for (const listener of listeners.get(name) ?? []) {
        try {
          listener(payload);
        } catch (error) {
          console.error(`havre: a ${name} listener threw`, error);
        }
      }
    },
  });
  const api = Object.freeze({
    invoke: (channel: unknown, request?: unknown) => {
      const binding = g.__havreInvoke;
      if (binding === undefined) return Promise.reject(new Error('test bridge binding missing'));
      return binding(channel, request);
    },
    onProgress: subscribe('job:progress'),
    onResult: subscribe('job:result'),
    onStatus: subscribe('status:changed'),
    onEngineLifecycle: subscribe('engine:lifecycle'),
    onActivity: subscribe('activity:added'),
    onNavigate: subscribe('app:navigate'),
  });
  Object.defineProperty(g, 'havre', { value: api, enumerable: true });
}

export interface BridgedPage {
  page: Page;
  /** Requests the page made, in order (channel and payload as received). */
  calls: Array<{ channel: unknown; payload: unknown }>;
  /** Pushes an event to the page as the main process would. */
  emit<E extends RendererEventName>(name: E, payload: RendererEvents[E]): Promise<void>;
  close(): Promise<void>;
}

/** What the page talks to: an engine in this process, or one behind a supervisor (supervised.ts). */
export interface BridgeTarget {
  request(channel: unknown, payload: unknown): Promise<IpcResult<unknown>>;
  /** Events as the main process sends them to the window. */
  subscribe(listener: (name: RendererEventName, payload: unknown) => void): () => void;
}

/** An EngineApi in this process, through the same dispatcher and error mapping the engine process uses. */
export function directTarget(engine: EngineApi): BridgeTarget {
  return {
    request: (channel, payload) => dispatchRequest(engine, channel, payload, { mapError: mapEngineError }),
    // 'alert' is the main process's (an OS notification), not the page's.
    subscribe: (listener) => engine.subscribe((event) => {
      if (event.type !== 'alert') listener(event.type, event.payload);
    }),
  };
}

/** Opens a page in `context` whose window.havre is bridged to `engine`. Navigate it yourself. */
export async function openBridgedPage(context: BrowserContext, engine: EngineApi | BridgeTarget): Promise<BridgedPage> {
  const target = 'request' in engine ? engine : directTarget(engine);
  const page = await context.newPage();
  const calls: BridgedPage['calls'] = [];

  await page.exposeBinding('__havreInvoke', async (source, channel: unknown, payload: unknown): Promise<IpcResult<unknown>> => {
    // The bridge's sender check: only the page's top frame, as ipcMain's handlers require.
    if (source.frame !== page.mainFrame()) return fail(ipcError('FORBIDDEN_SENDER'));
    calls.push({ channel, payload });
    return target.request(channel, payload);
  });
  await page.addInitScript(installHavreShim, [...RENDERER_EVENTS]);

  const emit = async <E extends RendererEventName>(name: E, payload: RendererEvents[E]): Promise<void> => {
    await page.evaluate(
      ([n, p]) => (globalThis as unknown as { __havreEmit: (name: string, payload: unknown) => void }).__havreEmit(n, p),
      [name, payload] as const,
    );
  };
  const unsubscribe = target.subscribe((name, payload) => {
    void emit(name, payload as RendererEvents[typeof name]).catch(() => undefined); // page may be closing
  });

  return {
    page,
    calls,
    emit,
    close: async () => {
      unsubscribe();
      await page.close();
    },
  };
}
