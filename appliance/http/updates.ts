// The update feed the appliance hands out (PROTOCOL.md §9): the files of an electron-builder release
// folder (latest*.yml, beta*.yml, their .sig, installers, blockmaps) that IT copies into
// DATA/updates/. Public files, served to anyone who can reach the appliance: the client trusts
// them only once the feed's signature and the file's sha512 check out (src-main/engine/update).
import { createReadStream } from 'node:fs';
import { stat } from 'node:fs/promises';
import { join } from 'node:path';
import { ApplianceError } from '../errors/index.js';
import { parseRange } from './range.js';
import { sendStream } from './respond.js';
import type { Exchange } from './routes.js';

/** One plain file name: no folder, no dot first (no `..`, no hidden file). */
const FILE_NAME = /^[A-Za-z0-9_+-][A-Za-z0-9._+-]{0,199}$/;

export async function serveUpdateFile(x: Exchange, updatesDir: string, head: boolean): Promise<void> {
  const name = x.params[0]!;
  if (!FILE_NAME.test(name)) throw new ApplianceError('BAD_REQUEST', { reason: 'an update file name is letters, digits, “.”, “_”, “+” and “-”' });
  const path = join(updatesDir, name);
  const st = await stat(path).catch(() => null);
  if (!st?.isFile()) throw new ApplianceError('NOT_FOUND', { what: `update file ${name}` });
  const feed = /\.(yml|sig)$/.test(name);
  const headers = { 'Content-Type': feed ? 'text/plain; charset=utf-8' : 'application/octet-stream', 'Accept-Ranges': 'bytes',
    'Cache-Control': feed ? 'no-cache' : 'public, max-age=3600', 'Last-Modified': st.mtime.toUTCString() };
  const range = head ? null : parseRange(x.req.headers.range, st.size);
  if (range) x.res.writeHead(206, { ...headers, 'Content-Length': range.length, 'Content-Range': `bytes ${range.offset}-${range.offset + range.length - 1}/${st.size}` });
  else x.res.writeHead(200, { ...headers, 'Content-Length': st.size });
  if (head || (range && range.length === 0)) {
    x.res.end();
    return;
  }
  await sendStream(createReadStream(path, range ? { start: range.offset, end: range.offset + range.length - 1 } : {}), x.res);
}
