// Where the app's files are once built: main, preload and engine entry under dist/src-main/, the
// renderer under src-renderer/dist/, icons under assets/ (see electron-builder.yml `files`).

import path from 'node:path';
import { fileURLToPath } from 'node:url';

export interface AppPaths {
  rendererIndex: string;
  preload: string;
  engineEntry: string;
  assetsDir: string;
}

/** `appRoot` is app.getAppPath(); `moduleUrl` is import.meta.url of dist/src-main/app/main.js. */
export function resolveAppPaths(appRoot: string, moduleUrl: string): AppPaths {
  const here = path.dirname(fileURLToPath(moduleUrl));
  return {
    rendererIndex: path.join(appRoot, 'src-renderer', 'dist', 'index.html'),
    preload: path.join(here, '..', 'preload', 'index.cjs'),
    engineEntry: path.join(here, 'engineProcess.js'),
    assetsDir: path.join(appRoot, 'assets'),
  };
}
