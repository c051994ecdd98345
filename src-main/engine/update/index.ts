export { feedFileName, parseFeed, FeedError, type FeedFile, type UpdateChannel, type UpdateFeed } from './feed.js';
export { RELEASE_PUBLIC_KEYS } from './releaseKeys.js';
export { feedSignedBy, signFeed } from './signature.js';
export { fetchVerifiedUpdate, downloadVerified, type UpdateSource } from './fetchUpdate.js';
export { verifyDownload, verifyFeed, type FeedCheck } from './verify.js';
export { issuedByPinnedCa } from './pinnedTls.js';
