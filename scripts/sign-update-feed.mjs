// Signs the update feeds of a release folder (PROTOCOL.md §9): FEED.yml → FEED.yml.sig, Ed25519 over
// the file's exact bytes. The private key comes from the environment only (HAVRE_UPDATE_SIGNING_KEY,
// PKCS#8 PEM), never from the repository.
//   node scripts/sign-update-feed.mjs release/            signs every *.yml there
//   node scripts/sign-update-feed.mjs --new-key            prints a new key pair (keep the private one in the CI's secrets)
import { createPrivateKey, createPublicKey, generateKeyPairSync, sign } from 'node:crypto';
import { readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';

const arg = process.argv[2];
if (arg === '--new-key') {
  const { privateKey, publicKey } = generateKeyPairSync('ed25519');
  console.log(privateKey.export({ type: 'pkcs8', format: 'pem' }).toString());
  console.log(`public key for src-main/engine/update/releaseKeys.ts: ${publicKey.export({ type: 'spki', format: 'der' }).toString('base64')}`);
  process.exit(0);
}
const pem = process.env.HAVRE_UPDATE_SIGNING_KEY;
if (!arg || !pem) {
  console.error('usage: HAVRE_UPDATE_SIGNING_KEY="$(cat key.pem)" node scripts/sign-update-feed.mjs RELEASE_DIR');
  process.exit(2);
}
const key = createPrivateKey(pem);
const feeds = readdirSync(arg).filter((f) => f.endsWith('.yml'));
if (feeds.length === 0) {
  console.error(`no feed (*.yml) in ${arg}`);
  process.exit(1);
}
for (const f of feeds) {
  writeFileSync(join(arg, `${f}.sig`), `${sign(null, readFileSync(join(arg, f)), key).toString('base64')}\n`);
  console.log(`signed ${f} (key ${createPublicKey(key).export({ type: 'spki', format: 'der' }).toString('base64').slice(-12)})`);
}
