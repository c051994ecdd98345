// `window.havre` is the only door to the rest of Havre: the preload (src-main/preload) exposes it
// in the app, the test bridge (test/renderer/bridge.ts) in tests.
import type { HavreApi } from '../../src-main/ipc/rendererApi.js';

declare global {
  interface Window {
    /** Absent when the page is opened outside Havre (a plain browser). */
    havre?: HavreApi;
  }
}

export {};
