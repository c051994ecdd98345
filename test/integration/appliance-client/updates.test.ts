// Updates served by the real reference appliance over TLS (PROTOCOL.md §9) and checked by the
// client before anything installs them. Bad inputs tried: an installer tampered with on the
// appliance (same size), an installer truncated on the appliance, a feed edited on the appliance
// after signing, a signed feed of an older version (downgrade), no feed at all, file names that
// climb out of the folder or are hidden, an unknown file.
import { createHash, generateKeyPairSync } from 'node:crypto';
import { existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import got from 'got';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { fetchPinnedCa } from '../../../src-main/engine/appliance/index.js';
import { downloadVerified, fetchVerifiedUpdate, issuedByPinnedCa, signFeed, type UpdateSource } from '../../../src-main/engine/update/index.js';
import { initAppliance, startInProcess, tempRoot, type RunningAppliance } from './helpers.js';

const key = generateKeyPairSync('ed25519');
const TRUSTED = [key.publicKey.export({ type: 'spki', format: 'der' }).toString('base64')];
const installer = Buffer.concat([Buffer.from('MZ'), Buffer.alloc(300_000, 7), Buffer.from('Havre 0.2.0')]);
const sha512 = (b: Buffer) => createHash('sha512').update(b).digest('base64');

function publish(dir: string, version: string, file = installer): void {
  const name = `Havre-Setup-${version}.exe`;
  const feed = Buffer.from([`version: ${version}`, 'files:', `  - url: ${name}`, `    sha512: ${sha512(installer)}`, `    size: ${installer.length}`,
    `path: ${name}`, `sha512: ${sha512(installer)}`, `releaseDate: '2026-12-01T10:00:00.000Z'`, ''].join('\n'));
  mkdirSync(dir, { recursive: true });
  writeFileSync(join(dir, 'latest.yml'), feed);
  writeFileSync(join(dir, 'latest.yml.sig'), signFeed(feed, key.privateKey.export({ type: 'pkcs8', format: 'pem' }).toString()));
  writeFileSync(join(dir, name), file);
}

describe('updates handed out by the appliance', () => {
  const t = tempRoot('havre-updates-');
  let appl: RunningAppliance;
  let updates: string;
  let src: UpdateSource;
  const opts = { channel: 'stable' as const, platform: 'win32' as const, currentVersion: '0.1.0', trustedKeys: TRUSTED };

  beforeAll(async () => {
    const { dir } = await initAppliance(t.root);
    updates = join(dir, 'updates');
    appl = await startInProcess(dir);
    src = { baseUrl: `${appl.url}/v1/updates`, ca: await fetchPinnedCa(appl.url, appl.fingerprint) };
  });
  afterAll(async () => {
    await appl.stop();
    t.cleanup();
  });

  it('no feed published: no update', async () => {
    expect(await fetchVerifiedUpdate(src, opts)).toBeNull();
  });

  it('a signed release: the feed checks out, the installer downloads byte for byte', async () => {
    publish(updates, '0.2.0');
    const u = await fetchVerifiedUpdate(src, opts);
    expect(u?.feed.version).toBe('0.2.0');
    const dest = join(t.root, 'dl-ok.exe');
    await downloadVerified(src, u!.file, dest, '0.1.0');
    expect(readFileSync(dest).equals(installer)).toBe(true);
  });

  it('an installer tampered with on the appliance is refused, and nothing is kept', async () => {
    const tampered = Buffer.from(installer);
    tampered.writeUInt8(tampered[1000]! ^ 0xff, 1000);
    publish(updates, '0.2.0', tampered);
    const u = await fetchVerifiedUpdate(src, opts);
    const dest = join(t.root, 'dl-tampered.exe');
    await expect(downloadVerified(src, u!.file, dest, '0.1.0')).rejects.toMatchObject({ code: 'UPDATE_REFUSED', message: expect.stringContaining('tampered') as string });
    expect(existsSync(dest)).toBe(false);
    expect(existsSync(`${dest}.partial`)).toBe(false);
  });

  it('an installer truncated on the appliance is refused', async () => {
    publish(updates, '0.2.0', installer.subarray(0, 4096));
    const u = await fetchVerifiedUpdate(src, opts);
    await expect(downloadVerified(src, u!.file, join(t.root, 'dl-short.exe'), '0.1.0')).rejects.toThrow(/truncated/);
  });

  it('a feed edited on the appliance after signing, and a signed downgrade, are refused', async () => {
    publish(updates, '0.2.0');
    writeFileSync(join(updates, 'latest.yml'), readFileSync(join(updates, 'latest.yml'), 'utf8').replace('0.2.0', '0.3.0'));
    await expect(fetchVerifiedUpdate(src, opts)).rejects.toThrow(/signature is not valid/);
    publish(updates, '0.0.9');
    await expect(fetchVerifiedUpdate(src, opts)).rejects.toThrow(/downgrade/);
  });

  it('the certificate check for electron-updater’s session accepts the appliance’s server certificate only, for its names', async () => {
    const server = readFileSync(join(appl.dir, 'tls', 'server.pem'), 'utf8');
    expect(issuedByPinnedCa(server, src.ca, '127.0.0.1')).toBe(true);
    expect(issuedByPinnedCa(server, src.ca, 'localhost')).toBe(true);
    expect(issuedByPinnedCa(server, src.ca, 'evil.example')).toBe(false);
    expect(issuedByPinnedCa(server, src.ca, '127.0.0.1', new Date('2200-01-01'))).toBe(false);
    // Another appliance's CA does not vouch for this server; a CA is not a server certificate.
    const other = await initAppliance(join(t.root, 'other'));
    expect(issuedByPinnedCa(server, readFileSync(join(other.dir, 'tls', 'ca.pem'), 'utf8'), '127.0.0.1')).toBe(false);
    expect(issuedByPinnedCa('not a certificate', src.ca, '127.0.0.1')).toBe(false);
  });

  it('serves only plain file names from its folder, with ranges for partial downloads', async () => {
    publish(updates, '0.2.0');
    const get = (path: string, headers: Record<string, string> = {}) =>
      got(`${appl.url}${path}`, { https: { certificateAuthority: src.ca }, throwHttpErrors: false, retry: { limit: 0 }, headers, responseType: 'buffer' });
    expect((await get('/v1/updates/..%2Fappliance.json')).statusCode).toBe(400);
    expect((await get('/v1/updates/.hidden')).statusCode).toBe(400);
    expect((await get('/v1/updates/nope.exe')).statusCode).toBe(404);
    const part = await get('/v1/updates/Havre-Setup-0.2.0.exe', { Range: 'bytes=0-1' });
    expect(part.statusCode).toBe(206);
    expect(part.body.toString()).toBe('MZ');
    const feed = await get('/v1/updates/latest.yml');
    expect(feed.headers['cache-control']).toBe('no-cache');
  });
});
