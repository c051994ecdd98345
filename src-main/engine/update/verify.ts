// Whether an update may be installed: the feed signed by a release key, a version newer than this
// one (no downgrade, and no pre-release on the stable channel), and the downloaded file exactly the
// size and SHA-512 the signed feed says. Everything else is refused: fail closed.
import { createHash } from 'node:crypto';
import { createReadStream } from 'node:fs';
import { stat } from 'node:fs/promises';
import semver from 'semver';
import { HavreError } from '../errors/index.js';
import { FeedError, parseFeed, type FeedFile, type UpdateChannel, type UpdateFeed } from './feed.js';
import { feedSignedBy } from './signature.js';

export interface FeedCheck {
  readonly feed: Buffer;
  /** The .sig file beside the feed; null when there is none. */
  readonly signature: Buffer | null;
  readonly trustedKeys: readonly string[];
  readonly currentVersion: string;
  readonly channel: UpdateChannel;
}

const refuse = (reason: string, current: string): HavreError => new HavreError('UPDATE_REFUSED', { reason, current });

/** The signed feed's update, or null when it is this version; UPDATE_REFUSED otherwise. */
export function verifyFeed(c: FeedCheck): UpdateFeed | null {
  if (c.trustedKeys.length === 0) throw refuse('this build trusts no release key, so it installs no update', c.currentVersion);
  if (!c.signature) throw refuse('the update feed is not signed', c.currentVersion);
  if (!feedSignedBy(c.feed, c.signature, c.trustedKeys)) throw refuse('the update feed’s signature is not valid (damaged, or not signed by Havre’s release key)', c.currentVersion);
  let feed: UpdateFeed;
  try {
    feed = parseFeed(c.feed.toString('utf8'));
  } catch (e) {
    if (e instanceof FeedError) throw refuse(e.message, c.currentVersion);
    throw e;
  }
  const cmp = semver.compare(feed.version, c.currentVersion);
  if (cmp === 0) return null;
  if (cmp < 0) throw refuse(`version ${feed.version} is older than this one (a downgrade)`, c.currentVersion);
  if (c.channel === 'stable' && semver.prerelease(feed.version)) throw refuse(`version ${feed.version} is a pre-release, and this computer follows the stable channel`, c.currentVersion);
  return feed;
}

/** The downloaded file is the one the signed feed names: its size, then its SHA-512. */
export async function verifyDownload(path: string, file: FeedFile, currentVersion: string): Promise<void> {
  const size = (await stat(path)).size;
  if (size !== file.size) throw refuse(`${file.url} is ${size} bytes where the feed says ${file.size} (${size < file.size ? 'truncated' : 'too long'})`, currentVersion);
  const hash = createHash('sha512');
  for await (const chunk of createReadStream(path)) hash.update(chunk as Buffer);
  if (hash.digest('base64') !== file.sha512) throw refuse(`${file.url} does not match the feed’s SHA-512 (damaged or tampered with)`, currentVersion);
}
