// The update feed electron-builder writes (latest.yml, latest-mac.yml, beta-linux.yml…), read
// strictly: a feed that names a file elsewhere, an unknown version form or a missing digest is no
// feed at all.
import { JSON_SCHEMA, load } from 'js-yaml';
import semver from 'semver';

export type UpdateChannel = 'stable' | 'beta';

export interface FeedFile {
  /** A file name beside the feed (never a URL elsewhere). */
  readonly url: string;
  /** Base64 SHA-512 of the file, as electron-builder writes it. */
  readonly sha512: string;
  readonly size: number;
}

export interface UpdateFeed {
  readonly version: string;
  readonly files: readonly FeedFile[];
  readonly releaseDate?: string;
}

export class FeedError extends Error {}

const FILE_NAME = /^[A-Za-z0-9_+-][A-Za-z0-9._+ -]{0,199}$/;
const MAX_UPDATE_BYTES = 2 * 1024 ** 3;

/** The feed electron-updater asks for on a channel and platform (electron-builder's names). */
export function feedFileName(channel: UpdateChannel, platform: NodeJS.Platform): string {
  const base = channel === 'stable' ? 'latest' : 'beta';
  return `${base}${platform === 'darwin' ? '-mac' : platform === 'linux' ? '-linux' : ''}.yml`;
}

export function parseFeed(text: string): UpdateFeed {
  let doc: unknown;
  try {
    doc = load(text, { schema: JSON_SCHEMA });
  } catch {
    throw new FeedError('the feed is not valid YAML');
  }
  if (typeof doc !== 'object' || doc === null || Array.isArray(doc)) throw new FeedError('the feed is not a mapping');
  const d = doc as Record<string, unknown>;
  if (typeof d.version !== 'string' || semver.valid(d.version) === null) throw new FeedError('the feed has no valid version');
  if (!Array.isArray(d.files) || d.files.length === 0 || d.files.length > 16) throw new FeedError('the feed lists no files');
  const files = d.files.map((f: unknown): FeedFile => {
    const o = (typeof f === 'object' && f !== null ? f : {}) as Record<string, unknown>;
    if (typeof o.url !== 'string' || !FILE_NAME.test(o.url)) throw new FeedError('a file of the feed is not a plain name beside it');
    if (typeof o.sha512 !== 'string' || Buffer.from(o.sha512, 'base64').length !== 64) throw new FeedError(`${o.url}: no SHA-512 digest`);
    if (!Number.isSafeInteger(o.size) || (o.size as number) <= 0 || (o.size as number) > MAX_UPDATE_BYTES) throw new FeedError(`${o.url}: no valid size`);
    return { url: o.url, sha512: o.sha512, size: o.size as number };
  });
  return { version: d.version, files, ...(typeof d.releaseDate === 'string' ? { releaseDate: d.releaseDate } : {}) };
}
