// Which pages may talk to the main process: only the top frame of our own window, showing our own
// renderer — the packaged index.html over file://, or the Vite dev server in unpackaged builds.

import { pathToFileURL } from 'node:url';

export interface SenderPolicyOptions {
  /** Absolute path of src-renderer/dist/index.html. */
  rendererIndexFile: string;
  /** http://localhost:5173/ style origin; only for unpackaged builds. */
  devServerUrl?: string;
  platform?: NodeJS.Platform;
}

/** Returns a predicate over a frame URL. Malformed URLs, other files and other origins are refused. */
export function createUrlPolicy(options: SenderPolicyOptions): (url: string) => boolean {
  const platform = options.platform ?? process.platform;
  const indexPath = pathToFileURL(options.rendererIndexFile).pathname;
  const samePath = platform === 'win32' || platform === 'darwin'
    ? (a: string, b: string) => a.toLowerCase() === b.toLowerCase()
    : (a: string, b: string) => a === b;
  const devOrigin = options.devServerUrl === undefined ? null : new URL(options.devServerUrl).origin;

  return (url: string): boolean => {
    let parsed: URL;
    try {
      parsed = new URL(url);
    } catch {
      return false;
    }
    if (parsed.protocol === 'file:') {
      return parsed.host === '' && samePath(parsed.pathname, indexPath);
    }
    return devOrigin !== null && parsed.origin === devOrigin;
  };
}

/** The parts of an IpcMainInvokeEvent the check reads. */
export interface SenderLike {
  sender: { id: number };
  senderFrame: { url: string; parent: unknown } | null;
}

export function createSenderCheck(
  isAllowedUrl: (url: string) => boolean,
  isOurWebContents: (id: number) => boolean,
): (event: SenderLike) => boolean {
  return (event) => {
    const frame = event.senderFrame;
    if (frame === null) return false; // navigated away or destroyed
    if (frame.parent !== null) return false; // subframes never get the API
    return isOurWebContents(event.sender.id) && isAllowedUrl(frame.url);
  };
}

/** Accepts HAVRE_DEV_SERVER_URL only when it is plain http(s) on the loopback interface. */
export function parseDevServerUrl(value: string | undefined): string | undefined {
  if (value === undefined || value === '') return undefined;
  try {
    const url = new URL(value);
    const loopback = url.hostname === 'localhost' || url.hostname === '127.0.0.1' || url.hostname === '[::1]';
    if ((url.protocol === 'http:' || url.protocol === 'https:') && loopback) return url.origin + '/';
  } catch {
    // fall through
  }
  return undefined;
}
