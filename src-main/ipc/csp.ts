// The renderer's Content-Security-Policy, in one place: main.ts sends it as a response header,
// src-renderer/index.html carries the same policy in a meta tag (its Vite build fails if the two
// drift apart) and the renderer tests assert it.

export const CSP_DIRECTIVES = {
  'default-src': ["'self'"],
  'script-src': ["'self'"],
  'style-src': ["'self'"],
  'img-src': ["'self'", 'data:'],
  'connect-src': ["'self'"],
  'object-src': ["'none'"],
  'base-uri': ["'none'"],
  'frame-ancestors': ["'none'"],
} as const satisfies Record<string, readonly string[]>;

export type CspDirectives = Record<string, readonly string[]>;

export function serializeCsp(directives: CspDirectives): string {
  return Object.entries(directives)
    .map(([name, sources]) => [name, ...sources].join(' '))
    .join('; ');
}

/** The production policy: 'self' only, no inline script or style, no eval. */
export const RENDERER_CSP = serializeCsp(CSP_DIRECTIVES);

/**
 * The development policy, used only with the Vite dev server (unpackaged builds): Vite injects
 * styles inline and keeps a WebSocket open for hot reload.
 */
export function devRendererCsp(devServerUrl: string): string {
  const url = new URL(devServerUrl);
  const ws = `${url.protocol === 'https:' ? 'wss:' : 'ws:'}//${url.host}`;
  return serializeCsp({
    ...CSP_DIRECTIVES,
    'style-src': ["'self'", "'unsafe-inline'"],
    'connect-src': ["'self'", ws],
  });
}
