// Which endpoints a cloud target may use: HTTPS, always, except on this computer itself, where
// plain HTTP reaches nothing but a local gateway (and the tests' radosgw).
import { HavreError } from '../../errors/index.js';

const LOOPBACK: ReadonlySet<string> = new Set(['127.0.0.1', '[::1]', 'localhost']);

export function isLoopbackHost(hostname: string): boolean {
  return LOOPBACK.has(hostname.toLowerCase());
}

/** The endpoint as the SDK gets it (`scheme://host[:port][/path]`, no trailing '/'), or a USAGE error. */
export function checkEndpoint(endpoint: string): URL {
  let u: URL;
  try {
    u = new URL(endpoint);
  } catch {
    throw new HavreError('USAGE', { detail: `“${endpoint.slice(0, 200)}” is not a URL (expected https://host[:port])` });
  }
  if (u.protocol !== 'https:' && u.protocol !== 'http:') {
    throw new HavreError('USAGE', { detail: 'the cloud storage endpoint must start with https://' });
  }
  if (u.protocol === 'http:' && !isLoopbackHost(u.hostname)) {
    throw new HavreError('USAGE', { detail: 'cloud storage must use HTTPS (http:// is allowed only for 127.0.0.1, ::1 and localhost)' });
  }
  // Credentials in the URL would end up in logs and messages; queries and fragments mean nothing here.
  if (u.username || u.password || u.search || u.hash) {
    throw new HavreError('USAGE', { detail: 'the cloud storage endpoint must be https://host[:port] only' });
  }
  u.pathname = u.pathname.replace(/\/+$/, '');
  return u;
}

/** The endpoint as shown to users: origin and path, never anything else. */
export function endpointText(u: URL): string {
  return `${u.origin}${u.pathname === '/' ? '' : u.pathname}`;
}
