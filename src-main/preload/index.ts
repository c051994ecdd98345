// Preload of the Havre window. It runs sandboxed (sandbox: true, contextIsolation: true), so it is
// bundled into one CommonJS file that requires nothing but 'electron' (vite.config.ts here builds
// it to dist/src-main/preload/index.cjs). It exposes `window.havre` and nothing else.

import { contextBridge, ipcRenderer } from 'electron';
import { createHavreApi } from './api.js';

contextBridge.exposeInMainWorld('havre', createHavreApi(ipcRenderer));
