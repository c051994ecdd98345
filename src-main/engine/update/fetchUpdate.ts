// Fetches the update feed from the appliance (its CA pinned, as for every appliance request) and
// downloads the file it names, checking both before anything may install them. The Electron shell
// lets electron-updater download and install, and checks the same way first (app/updater.ts).
import { createWriteStream } from 'node:fs';
import { rename, rm } from 'node:fs/promises';
import { pipeline } from 'node:stream/promises';
import { Transform } from 'node:stream';
import got, { HTTPError } from 'got';
import { HavreError } from '../errors/index.js';
import { feedFileName, type FeedFile, type UpdateChannel, type UpdateFeed } from './feed.js';
import { verifyDownload, verifyFeed } from './verify.js';

export interface UpdateSource {
  /** The folder of the feed: https://appliance:8443/v1/updates */
  readonly baseUrl: string;
  /** The appliance's CA (PEM): nothing else is trusted. */
  readonly ca: string;
}

const httpsOptions = (src: UpdateSource) => ({ https: { certificateAuthority: src.ca, minVersion: 'TLSv1.2' as const }, timeout: { request: 60_000 }, retry: { limit: 2 } });

async function getBytes(src: UpdateSource, name: string): Promise<Buffer | null> {
  try {
    return await got(`${src.baseUrl}/${encodeURIComponent(name)}`, { ...httpsOptions(src), responseType: 'buffer' }).buffer();
  } catch (e) {
    if (e instanceof HTTPError && e.response.statusCode === 404) return null;
    throw new HavreError('APPLIANCE_UNREACHABLE', { url: src.baseUrl, reason: e instanceof Error ? (e as { code?: string }).code ?? e.name : 'error' });
  }
}

/** The update to install, verified; null when none is published or it is this version. */
export async function fetchVerifiedUpdate(src: UpdateSource, opts: { channel: UpdateChannel; platform: NodeJS.Platform; currentVersion: string; trustedKeys: readonly string[] })
  : Promise<{ feed: UpdateFeed; file: FeedFile } | null> {
  const name = feedFileName(opts.channel, opts.platform);
  const feed = await getBytes(src, name);
  if (!feed) return null;
  const signature = await getBytes(src, `${name}.sig`);
  const verified = verifyFeed({ feed, signature, trustedKeys: opts.trustedKeys, currentVersion: opts.currentVersion, channel: opts.channel });
  return verified ? { feed: verified, file: verified.files[0]! } : null;
}

/** Downloads `file` to `dest`, never more bytes than the feed says, and keeps it only if it checks out. */
export async function downloadVerified(src: UpdateSource, file: FeedFile, dest: string, currentVersion: string): Promise<void> {
  const partial = `${dest}.partial`;
  let seen = 0;
  const cap = new Transform({
    transform(chunk: Buffer, _enc, done) {
      seen += chunk.length;
      done(seen > file.size ? new HavreError('UPDATE_REFUSED', { reason: `${file.url} is longer than the feed says`, current: currentVersion }) : null, chunk);
    },
  });
  try {
    await pipeline(got.stream(`${src.baseUrl}/${encodeURIComponent(file.url)}`, httpsOptions(src)), cap, createWriteStream(partial, { mode: 0o600 }));
    await verifyDownload(partial, file, currentVersion);
    await rename(partial, dest);
  } catch (e) {
    await rm(partial, { force: true });
    if (e instanceof HavreError) throw e;
    throw new HavreError('APPLIANCE_UNREACHABLE', { url: src.baseUrl, reason: e instanceof Error ? (e as { code?: string }).code ?? e.name : 'error' });
  }
}
