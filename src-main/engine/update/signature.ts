// The feed's signature: Ed25519 over the feed file's exact bytes, base64 in FEED.sig beside it,
// made by the release pipeline (scripts/sign-update-feed.mjs) with a key that never leaves it.
// electron-updater checks each file's sha512 against the feed, but nothing vouches for the feed
// itself, and Linux packages carry no code signature: this is what does.
import { createPrivateKey, createPublicKey, sign, verify, type KeyObject } from 'node:crypto';

function publicKey(text: string): KeyObject | null {
  try {
    const key = text.includes('BEGIN') ? createPublicKey(text) : createPublicKey({ key: Buffer.from(text, 'base64'), format: 'der', type: 'spki' });
    return key.asymmetricKeyType === 'ed25519' ? key : null;
  } catch {
    return null;
  }
}

/** True when one of the trusted keys signed exactly these bytes. */
export function feedSignedBy(feed: Buffer, signatureFile: Buffer, trustedKeys: readonly string[]): boolean {
  const sig = Buffer.from(signatureFile.toString('ascii').trim(), 'base64');
  if (sig.length !== 64) return false;
  return trustedKeys.some((k) => {
    const key = publicKey(k);
    return key !== null && verify(null, feed, key, sig);
  });
}

/** The .sig file's content for a feed (release pipeline and tests). */
export function signFeed(feed: Buffer, privateKeyPem: string): string {
  return `${sign(null, feed, createPrivateKey(privateKeyPem)).toString('base64')}\n`;
}
