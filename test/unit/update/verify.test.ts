// Update verification against crafted feeds and files, fail closed. Bad inputs tried: a feed edited
// after signing, a signature by another key, no signature, a signature of the wrong length, no
// trusted key in the build, an older version (downgrade), a pre-release on the stable channel, a
// feed naming a URL elsewhere or `../`, no sha512, a bad size, YAML that is not a feed, a truncated
// file, a file of the right size with one byte changed, a longer file.
import { createHash, generateKeyPairSync } from 'node:crypto';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { feedFileName, signFeed, verifyDownload, verifyFeed, type FeedCheck } from '../../../src-main/engine/update/index.js';

const release = generateKeyPairSync('ed25519');
const other = generateKeyPairSync('ed25519');
const pem = (k: typeof release) => k.privateKey.export({ type: 'pkcs8', format: 'pem' }).toString();
const spki = (k: typeof release) => k.publicKey.export({ type: 'spki', format: 'der' }).toString('base64');
const TRUSTED = [spki(release)];

const installer = Buffer.from('MZ… pretend this is Havre-Setup-0.2.0.exe …'.repeat(1000));
const sha512 = (b: Buffer) => createHash('sha512').update(b).digest('base64');

/** A feed as electron-builder writes it. */
function feedText(version: string, file = { url: `Havre-Setup-${version}.exe`, sha512: sha512(installer), size: installer.length }): string {
  return [`version: ${version}`, 'files:', `  - url: ${file.url}`, `    sha512: ${file.sha512}`, `    size: ${file.size}`, `path: ${file.url}`, `sha512: ${file.sha512}`,
    `releaseDate: '2026-12-01T10:00:00.000Z'`, ''].join('\n');
}

function check(feed: string, extra: Partial<FeedCheck> = {}): FeedCheck {
  const bytes = Buffer.from(feed);
  return { feed: bytes, signature: Buffer.from(signFeed(bytes, pem(release))), trustedKeys: TRUSTED, currentVersion: '0.1.0', channel: 'stable', ...extra };
}

const refused = (f: () => unknown, reason: string): void => {
  expect(f).toThrow(expect.objectContaining({ code: 'UPDATE_REFUSED' }) as Error);
  expect(f).toThrow(reason);
};

describe('the update feed', () => {
  it('a feed signed by the release key, newer: accepted; the same version: no update', () => {
    expect(verifyFeed(check(feedText('0.2.0')))).toMatchObject({ version: '0.2.0', files: [{ url: 'Havre-Setup-0.2.0.exe', size: installer.length }] });
    expect(verifyFeed(check(feedText('0.1.0')))).toBeNull();
    // A PEM public key is accepted too.
    expect(verifyFeed(check(feedText('0.2.0'), { trustedKeys: [release.publicKey.export({ type: 'spki', format: 'pem' }).toString()] }))).not.toBeNull();
  });

  it('refuses a feed edited after signing, signed by another key, unsigned, or badly signed', () => {
    const signed = check(feedText('0.2.0'));
    const edited = Buffer.from(signed.feed.toString().replace(sha512(installer), sha512(Buffer.from('evil'))));
    refused(() => verifyFeed({ ...signed, feed: edited }), 'signature is not valid');
    refused(() => verifyFeed({ ...signed, signature: Buffer.from(signFeed(signed.feed, pem(other))) }), 'signature is not valid');
    refused(() => verifyFeed({ ...signed, signature: null }), 'not signed');
    refused(() => verifyFeed({ ...signed, signature: Buffer.from('c2hvcnQ=') }), 'signature is not valid');
    refused(() => verifyFeed({ ...signed, trustedKeys: ['not a key'] }), 'signature is not valid');
    refused(() => verifyFeed({ ...signed, trustedKeys: [] }), 'trusts no release key');
  });

  it('refuses a downgrade, and a pre-release on the stable channel (but not on beta)', () => {
    refused(() => verifyFeed(check(feedText('0.0.9'))), 'version 0.0.9 is older than this one (a downgrade)');
    refused(() => verifyFeed(check(feedText('0.2.0-beta.1'))), 'pre-release');
    expect(verifyFeed(check(feedText('0.2.0-beta.1'), { channel: 'beta' }))?.version).toBe('0.2.0-beta.1');
  });

  it('refuses a feed that is not one: a URL elsewhere, ../, no digest, a bad size, not YAML', () => {
    const f = { url: 'Havre.exe', sha512: sha512(installer), size: installer.length };
    refused(() => verifyFeed(check(feedText('0.2.0', { ...f, url: 'https://evil.example/Havre.exe' }))), 'not a plain name');
    refused(() => verifyFeed(check(feedText('0.2.0', { ...f, url: '../../etc/passwd' }))), 'not a plain name');
    refused(() => verifyFeed(check(feedText('0.2.0', { ...f, sha512: 'abc' }))), 'no SHA-512 digest');
    refused(() => verifyFeed(check(feedText('0.2.0', { ...f, size: -1 }))), 'no valid size');
    refused(() => verifyFeed(check('version: [unclosed')), 'not valid YAML');
    refused(() => verifyFeed(check('version: banana\nfiles: []\n')), 'no valid version');
  });

  it('names the feed as electron-updater asks for it', () => {
    expect(feedFileName('stable', 'win32')).toBe('latest.yml');
    expect(feedFileName('stable', 'darwin')).toBe('latest-mac.yml');
    expect(feedFileName('beta', 'linux')).toBe('beta-linux.yml');
  });
});

describe('the downloaded file', () => {
  const dir = mkdtempSync(join(tmpdir(), 'havre-update-'));
  afterAll(() => rmSync(dir, { recursive: true, force: true }));
  const file = { url: 'Havre-Setup-0.2.0.exe', sha512: sha512(installer), size: installer.length };
  const put = (name: string, b: Buffer): string => {
    writeFileSync(join(dir, name), b);
    return join(dir, name);
  };

  it('accepts the exact file', async () => {
    await expect(verifyDownload(put('ok.exe', installer), file, '0.1.0')).resolves.toBeUndefined();
  });

  it('refuses a truncated file, a longer one, and one tampered with at the same size', async () => {
    await expect(verifyDownload(put('short.exe', installer.subarray(0, 1000)), file, '0.1.0')).rejects.toThrow(/truncated/);
    await expect(verifyDownload(put('long.exe', Buffer.concat([installer, Buffer.from('x')])), file, '0.1.0')).rejects.toThrow(/too long/);
    const tampered = Buffer.from(installer);
    tampered.writeUInt8(tampered[tampered.length >> 1]! ^ 0x01, tampered.length >> 1);
    const err = await verifyDownload(put('tampered.exe', tampered), file, '0.1.0').catch((e: unknown) => e);
    expect(err).toMatchObject({ code: 'UPDATE_REFUSED' });
    expect(String((err as Error).message)).toBe('The update was refused (Havre-Setup-0.2.0.exe does not match the feed’s SHA-512 (damaged or tampered with)); Havre stays on version 0.1.0. Nothing was installed.');
  });
});
