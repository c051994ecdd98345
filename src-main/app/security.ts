// Window and session hardening (DESIGN.md §6; Electron's security checklist): a strict CSP header
// on every response, every permission refused, no navigation away from our renderer, no new
// windows, no <webview>.

import type { Session, WebContents, WebPreferences } from 'electron';

/** The only webPreferences a Havre window is created with. */
export function secureWebPreferences(preload: string, devTools: boolean): WebPreferences {
  return {
    preload,
    contextIsolation: true,
    sandbox: true,
    nodeIntegration: false,
    nodeIntegrationInSubFrames: false,
    nodeIntegrationInWorker: false,
    webSecurity: true,
    allowRunningInsecureContent: false,
    experimentalFeatures: false,
    webviewTag: false,
    navigateOnDragDrop: false,
    safeDialogs: true,
    spellcheck: false,
    devTools,
  };
}

/** Replaces any Content-Security-Policy header (whatever its case) with ours. */
export function withCspHeader(headers: Record<string, string[]> | undefined, csp: string): Record<string, string[]> {
  const out: Record<string, string[]> = {};
  for (const [name, value] of Object.entries(headers ?? {})) {
    if (name.toLowerCase() !== 'content-security-policy') out[name] = value;
  }
  out['Content-Security-Policy'] = [csp];
  return out;
}

export function installSessionSecurity(ses: Session, csp: string): void {
  ses.webRequest.onHeadersReceived((details, callback) => {
    callback({ responseHeaders: withCspHeader(details.responseHeaders, csp) });
  });
  ses.setPermissionRequestHandler((_contents, _permission, callback) => callback(false));
  ses.setPermissionCheckHandler(() => false);
  ses.setDevicePermissionHandler(() => false);
}

/** Applied to every WebContents the app creates ('web-contents-created'). */
export function hardenWebContents(contents: WebContents, isAllowedUrl: (url: string) => boolean, log?: (line: string) => void): void {
  contents.setWindowOpenHandler(() => {
    log?.('security: denied window.open');
    return { action: 'deny' };
  });
  contents.on('will-navigate', (event) => {
    if (!isAllowedUrl(event.url)) {
      log?.('security: denied a navigation');
      event.preventDefault();
    }
  });
  contents.on('will-frame-navigate', (event) => {
    if (!isAllowedUrl(event.url)) event.preventDefault();
  });
  contents.on('will-redirect', (event) => {
    if (!isAllowedUrl(event.url)) event.preventDefault();
  });
  contents.on('will-attach-webview', (event) => {
    log?.('security: denied a <webview>');
    event.preventDefault();
  });
}
