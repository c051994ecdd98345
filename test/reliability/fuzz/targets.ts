// What the fuzzer feeds: every parser of untrusted bytes, each with valid seed inputs made by the
// real encoders, and the one kind of error it may throw. A parser of sealed objects is fuzzed twice:
// on the sealed bytes (all the storage side can touch: the AEAD must refuse every change) and on
// the plaintext, sealed again with the key (what a forger holding the key, or a bug of our own,
// could produce: the decoder behind the AEAD must still refuse cleanly).
import { readFileSync, readdirSync } from 'node:fs';
import { join } from 'node:path';
import { deflateRawSync, brotliCompressSync } from 'node:zlib';
import { ProtocolViolation, chainEvents, jsonDepth, MAX_JSON_DEPTH, parseAuthParamsRequest, parseEnrollRequest, parseEventsRequest, parseHeartbeatRequest, parseLoginRequest,
  parseRenewRequest, parseSetPasswordRequest, parseToken, GENESIS_HASH } from '../../../src-main/engine/appliance/protocol.js';
import * as responses from '../../../src-main/engine/appliance/responses.js';
import type { PackEntry } from '../../../src-main/engine/catalog/types.js';
import { decodeBlob, encodeBlob } from '../../../src-main/engine/compress/index.js';
import { blobId, parseKeysRecord, seal } from '../../../src-main/engine/crypto/index.js';
import { HavreError } from '../../../src-main/engine/errors/index.js';
import { parseHomeConfig } from '../../../src-main/engine/home/homeConfig.js';
import { applyRetention, parseKeepWithin } from '../../../src-main/engine/jobs/index.js';
import { parseRepoConfig, verifyRepoConfig } from '../../../src-main/engine/repo/config/RepoConfig.js';
import { DOC_KIND, sealDocument } from '../../../src-main/engine/repo/document.js';
import { decodeIndex, encodeIndex } from '../../../src-main/engine/repo/index/indexFormat.js';
import { PackWriter, parsePack, readPackHeader, decodeTree, encodeTree, snapshotRow } from '../../../src-main/engine/repo/index.js';
import { decodeEntries, encodeEntries } from '../../../src-main/engine/repo/pack/entries.js';
import { PACK_HEADER_AAD, PACK_MAGIC } from '../../../src-main/engine/repo/pack/PackWriter.js';
import { decodeSnapshot, encodeSnapshot, type Snapshot } from '../../../src-main/engine/repo/snapshot/Snapshot.js';
import { parseEntryFileName } from '../../../src-main/engine/store/spool/spoolEntry.js';
import { objectName } from '../../../src-main/engine/store/index.js';
import { parseConfig as parseApplianceConfig, newConfig } from '../../../appliance/config/config.js';
import { ApplianceError } from '../../../appliance/errors/index.js';
import { parseRange } from '../../../appliance/http/range.js';
import { MemoryStore } from '../../helpers/memoryStore.js';
import { ROOT } from '../../helpers/cli.js';
import { parsePolicy, parsePolicyBytes, parseRegQuery, registryToPolicy, REGISTRY_KEY } from '../../../src-main/engine/policy/index.js';
import type { Rng } from '../helpers/random.js';

export interface FuzzTarget {
  readonly name: string;
  /** 'json' inputs also get structural mutations. */
  readonly shape: 'bytes' | 'json' | 'text';
  readonly seeds: Buffer[];
  /** Parses one input; may be async (a parser behind a store). */
  run(input: Buffer): unknown;
  /** The errors this parser may throw; anything else is a finding. */
  allowed(e: unknown): boolean;
}

/** What the targets need from the run: keys, and real key material to put in messages. */
export interface FuzzContext {
  readonly rng: Rng;
  readonly encKey: Buffer;
  readonly idKey: Buffer;
  readonly configKey: Buffer;
  /** A real keys record (FORMAT.md §3) of the run's template repository. */
  readonly keysRecordText: string;
  /** A real PKCS#10 request, PEM. */
  readonly csrPem: string;
}

const havre = (e: unknown): boolean => e instanceof HavreError;
/** `reg query HKLM\\SOFTWARE\\Policies\\Havre /s` as Windows prints it (test/unit/policy has the same). */
const REG_QUERY_SAMPLE = [
  '', 'HKEY_LOCAL_MACHINE\\SOFTWARE\\Policies\\Havre', '    Version    REG_DWORD    0x1', '    LockReason    REG_SZ    ask helpdesk 4242', '',
  'HKEY_LOCAL_MACHINE\\SOFTWARE\\Policies\\Havre\\Appliance', '    Url    REG_SZ    https://backup.corp.example:8443', '',
  'HKEY_LOCAL_MACHINE\\SOFTWARE\\Policies\\Havre\\Settings', '    Continuous    REG_DWORD    0x0', '    UploadKiBps    REG_DWORD    0x800',
  '    Exclusions    REG_MULTI_SZ    *.iso\\0*.vhdx', '    BandwidthRules    REG_SZ    [{"days":[1,2,3,4,5],"start":"09:00","end":"18:00","uploadKiBps":512}]', '',
  'HKEY_LOCAL_MACHINE\\SOFTWARE\\Policies\\Havre\\Settings\\Folders', '    1    REG_SZ    ~/Documents', '    2    REG_SZ    D:\\Projets', '',
  'HKEY_LOCAL_MACHINE\\SOFTWARE\\Policies\\Havre\\App', '    AllowQuit    REG_DWORD    0x0', '',
].join('\r\n');

const protocol = (e: unknown): boolean => e instanceof ProtocolViolation;
/** JSON that does not parse is refused by the caller before any parser sees it. */
const json = (input: Buffer): unknown => JSON.parse(input.toString('utf8'));
/** A request body as the appliance reads it (appliance/http/body.ts): depth first, then JSON. */
const body = (input: Buffer): unknown => {
  const text = input.toString('utf8');
  if (jsonDepth(text) > MAX_JSON_DEPTH) throw new ProtocolViolation('too deep');
  return JSON.parse(text);
};
const jsonOr = (ok: (e: unknown) => boolean) => (e: unknown): boolean => e instanceof SyntaxError || ok(e);
const text = (v: unknown): Buffer => Buffer.from(JSON.stringify(v));
const hex = (r: Rng, bytes: number): string => r.bytes(bytes).toString('hex');

export function keysRecordFrom(templateRepo: string): string {
  const dir = join(templateRepo, 'keys');
  return readFileSync(join(dir, readdirSync(dir).find((n) => /^[0-9a-f]{64}$/.test(n))!), 'utf8');
}

function entriesOf(r: Rng, n: number): PackEntry[] {
  let offset = PACK_MAGIC.length;
  return Array.from({ length: n }, () => {
    const storedLength = r.between(28, 5000);
    const e: PackEntry = { type: r.pick([0, 1] as const), codec: r.pick([0, 1, 2]), offset, storedLength, rawLength: r.int(10_000), id: r.bytes(32) };
    offset += storedLength;
    return e;
  });
}

/** A pack frame around a header plaintext of our choosing: magic, blob area, sealed header, length. */
function packWithHeader(encKey: Buffer, blobArea: Buffer, headerPlain: Buffer): Buffer {
  const header = seal(encKey, headerPlain, PACK_HEADER_AAD);
  const tail = Buffer.alloc(4);
  tail.writeUInt32LE(header.length);
  return Buffer.concat([PACK_MAGIC, blobArea, header, tail]);
}

export function fuzzTargets(c: FuzzContext): FuzzTarget[] {
  const r = c.rng;
  const blobs = Array.from({ length: 6 }, (_, i) => (i % 2 ? r.bytes(r.int(3000)) : Buffer.from('rapport trimestriel '.repeat(r.int(200)))));

  const packs = [1, 3, 5].map((n) => {
    const w = new PackWriter();
    for (const b of blobs.slice(0, n)) {
      const id = blobId(c.idKey, b);
      const { codec, payload } = encodeBlob(b);
      w.add({ id, type: 0, codec, rawLength: b.length }, seal(c.encKey, payload, id));
    }
    return w.finish(c.encKey).bytes;
  });
  const headerPlains = [1, 4, 9].map((n) => encodeEntries(entriesOf(r, n)));
  const indexPlains = [1, 3].map((n) => {
    // The plaintext of an index: what encodeIndex seals, recovered by sealing a known key's output.
    const packsIn = Array.from({ length: n }, () => ({ packId: hex(r, 32), size: r.int(2 ** 24), entries: entriesOf(r, r.between(1, 5)) }));
    return { packsIn, sealed: encodeIndex(packsIn, c.encKey) };
  });
  const snapshot: Snapshot = { version: 1, time: new Date(0).toISOString(), tree: hex(r, 32), paths: ['/home/ana/Documents'], hostname: 'PC-ANA', username: 'ana',
    tags: ['daily'], parent: null, summary: { files: 3, dirs: 1, bytes: 1000, addedBytes: 10, unreadable: 0 }, program: 'havre 0.1.0' };
  const tree = encodeTree([
    { name: 'a.txt', type: 'file', mode: 0o644, mtime: '1700000000000000000', uid: 1000, gid: 1000, size: 12, content: [hex(r, 32), hex(r, 32)] },
    { name: 'docs', type: 'dir', mode: 0o755, mtime: '1700000000000000000', uid: 1000, gid: 1000, subtree: hex(r, 32) },
    { name: 'lien', type: 'symlink', mode: 0o777, mtime: '-5', uid: 0, gid: 0, target: '../a.txt' },
  ]);
  const keys = JSON.parse(c.keysRecordText) as { repoId: string; admin: { publicKey: string; secret: string }; user: { publicKey: string; secret: string; privateKey: unknown }; poste: { publicKey: string; secret: string } };
  const configBody = { format: 'havre-repo', version: 1, repoId: keys.repoId, created: new Date(0).toISOString(), chunker: { min: 262144, avg: 1048576, max: 4194304 }, packSize: 16777216 };
  const config = { ...configBody, mac: hex(r, 32) };
  const events = chainEvents({ seq: 0, hash: GENESIS_HASH }, [{ time: new Date(0).toISOString(), type: 'job.done', data: { job: 'backup', snapshots: 3 } },
    { time: new Date(1).toISOString(), type: 'job.failed', data: { job: 'prune', error: 'STORE_FULL', nested: { a: [1, 2] } } }]);
  const escrow = { repoId: keys.repoId, userPublicKey: keys.user.publicKey, postePublicKey: keys.poste.publicKey, secretAdmin: keys.admin.secret,
    secretUser: keys.user.secret, secretPoste: keys.poste.secret, userPrivateKey: keys.user.privateKey };
  const authKey = r.bytes(32).toString('base64');
  const machineId = hex(r, 16);
  const token = `HVT1.${hex(r, 8)}.${r.bytes(32).toString('base64url').slice(0, 43)}.${hex(r, 32)}`;
  const certPem = '-----BEGIN CERTIFICATE-----\nMIIB\n-----END CERTIFICATE-----\n';
  const summary = { machineId, host: 'PC-ANA', user: 'ana', enrolled: new Date(0).toISOString(), lastSeen: null, revoked: false };
  const names = Array.from({ length: 3 }, () => hex(r, 32)).sort();

  const t: FuzzTarget[] = [
    // ---- repository format (FORMAT.md) ----
    { name: 'pack (sealed bytes)', shape: 'bytes', seeds: packs, run: (b) => parsePack(b, c.encKey, objectName(b)), allowed: havre },
    {
      name: 'pack header (plaintext behind the AEAD)', shape: 'bytes', seeds: headerPlains,
      run: (h) => parsePack(packWithHeader(c.encKey, r.bytes(r.int(20_000)), h), c.encKey, 'ab'.repeat(32)), allowed: havre,
    },
    { name: 'pack entries', shape: 'bytes', seeds: headerPlains, run: (h) => decodeEntries(h, 'fuzz'), allowed: havre },
    {
      name: 'pack header read by ranges (store sizes that lie)', shape: 'bytes', seeds: packs,
      run: async (b) => {
        const s = new MemoryStore('fuzz');
        const name = 'cd'.repeat(32);
        s.plant('data', name, b);
        const claimed = r.chance(0.5) ? b.length : r.int(b.length * 2 + 64);
        return readPackHeader(s, name, claimed, c.encKey);
      },
      allowed: havre,
    },
    { name: 'index (sealed bytes)', shape: 'bytes', seeds: indexPlains.map((x) => x.sealed), run: (b) => decodeIndex(b, c.encKey, 'fuzz'), allowed: havre },
    {
      name: 'index (plaintext behind the AEAD, raw and deflated)', shape: 'bytes',
      seeds: indexPlains.map((x) => indexPayload(x.packsIn)),
      run: (p) => decodeIndex(r.chance(0.5) ? sealDocument(DOC_KIND.index, p, c.encKey, false) : sealedWithCodec(c.encKey, DOC_KIND.index, 1, deflateRawSync(p)), c.encKey, 'fuzz'),
      allowed: havre,
    },
    { name: 'snapshot (sealed bytes)', shape: 'bytes', seeds: [encodeSnapshot(snapshot, c.encKey)], run: (b) => decodeSnapshot(b, c.encKey, 'fuzz'), allowed: havre },
    {
      name: 'snapshot (JSON behind the AEAD)', shape: 'json', seeds: [text(snapshot)],
      // …and what the catalog then does with it (Catalog.putSnapshot serialises its members).
      run: (j) => JSON.stringify(snapshotRow('ab'.repeat(32), decodeSnapshot(sealDocument(DOC_KIND.snapshot, j, c.encKey, r.chance(0.5)), c.encKey, 'fuzz'))), allowed: havre,
    },
    { name: 'tree', shape: 'json', seeds: [tree, encodeTree([])], run: (j) => decodeTree(j, 'fuzz'), allowed: havre },
    { name: 'keys record', shape: 'json', seeds: [Buffer.from(c.keysRecordText)], run: (j) => parseKeysRecord(json(j)), allowed: jsonOr(havre) },
    { name: 'config', shape: 'json', seeds: [text(config)], run: (j) => verifyRepoConfig(parseRepoConfig(j), c.configKey), allowed: havre },
    {
      name: 'blob codecs (payload and declared length)', shape: 'bytes',
      seeds: [brotliCompressSync(blobs[0]!), deflateRawSync(blobs[2]!), blobs[1]!],
      run: (p) => decodeBlob(r.pick([0, 1, 2, r.int(256)]), p, r.chance(0.5) ? r.int(200_000) : r.pick([0, 1, 2 ** 32 - 1, 2 ** 31, -1, 0.5])), allowed: havre,
    },
    { name: 'spool entry file name', shape: 'text', seeds: [Buffer.from(`000000000042.put.data.${hex(r, 32)}`)], run: (b) => parseEntryFileName(b.toString('utf8')), allowed: () => false },
    // ---- appliance protocol (PROTOCOL.md), both sides ----
    {
      name: 'protocol: enroll request', shape: 'json',
      seeds: [text({ token, csr: c.csrPem, host: 'PC-ANA', user: 'ana', keys: escrow, authKey })], run: (j) => parseEnrollRequest(body(j)), allowed: jsonOr(protocol),
    },
    { name: 'protocol: auth params request', shape: 'json', seeds: [text({ role: 'user', user: 'ana' }), text({ role: 'admin' })], run: (j) => parseAuthParamsRequest(body(j)), allowed: jsonOr(protocol) },
    { name: 'protocol: login request', shape: 'json', seeds: [text({ role: 'user', machineId, authKey }), text({ role: 'admin', authKey })], run: (j) => parseLoginRequest(body(j)), allowed: jsonOr(protocol) },
    { name: 'protocol: heartbeat request', shape: 'json', seeds: [text({ status: { lastBackup: null, files: 3 }, config: { version: '0.1.0' } })], run: (j) => parseHeartbeatRequest(body(j)), allowed: jsonOr(protocol) },
    { name: 'protocol: events request', shape: 'json', seeds: [text({ events })], run: (j) => parseEventsRequest(body(j)), allowed: jsonOr(protocol) },
    { name: 'protocol: renew request', shape: 'json', seeds: [text({ csr: c.csrPem })], run: (j) => parseRenewRequest(body(j)), allowed: jsonOr(protocol) },
    {
      name: 'protocol: restore password request', shape: 'json',
      seeds: [text({ keys: { userPublicKey: escrow.userPublicKey, secretUser: escrow.secretUser, userPrivateKey: escrow.userPrivateKey }, authKey, currentAuthKey: authKey })],
      run: (j) => parseSetPasswordRequest(body(j)), allowed: jsonOr(protocol),
    },
    { name: 'protocol: enrollment token', shape: 'text', seeds: [Buffer.from(token)], run: (b) => parseToken(b.toString('utf8')), allowed: () => false },
    { name: 'protocol: Range header', shape: 'text', seeds: [Buffer.from('bytes=0-99'), Buffer.from('bytes=-5'), Buffer.from('bytes=100-')], run: (b) => parseRange(b.toString('latin1'), r.int(1000)), allowed: (e) => e instanceof ApplianceError },
    ...responseTargets(r, { machineId, summary, escrow, keys, certPem, names, events, authKey }),
    // ---- local configuration ----
    {
      name: 'home config.json', shape: 'json',
      seeds: [text({ version: 1, repo: { path: '/media/usb/havre', repoId: hex(r, 16) }, folders: ['/home/ana/Documents'] }),
        text({ version: 1, repo: { kind: 'appliance', url: 'https://backup.example:8443', applianceId: hex(r, 16), caFingerprint: hex(r, 32), machineId, repoId: hex(r, 16) } }),
        text({ version: 1, repo: { kind: 's3', name: 'cloud', endpoint: 'https://s3.example', region: 'fr-par', bucket: 'b', prefix: 'pc/', addressing: 'path', lock: { mode: 'GOVERNANCE', days: 30 }, repoId: hex(r, 16) },
          copies: [] })],
      run: (j) => parseHomeConfig(json(j), '/fuzz/config.json'), allowed: jsonOr(havre),
    },
    // ---- IT's machine policy: a file (JSON or plist) and the registry as `reg query` prints it ----
    {
      name: 'machine policy (JSON)', shape: 'json', seeds: [readFileSync(join(ROOT, 'native/policy/policy.example.json'))],
      run: async (j) => parsePolicy(await parsePolicyBytes(j, 'json', '/etc/havre/policy.json'), 'policy', '/home/ana'), allowed: havre,
    },
    {
      name: 'machine policy (plist)', shape: 'text', seeds: [readFileSync(join(ROOT, 'native/macos/fr.havre.client.plist')), readFileSync(join(ROOT, 'native/macos/havre.mobileconfig'))],
      run: async (b) => parsePolicy(await parsePolicyBytes(b, 'plist', '/Library/Managed Preferences/fr.havre.client.plist'), 'policy', '/Users/ana'), allowed: havre,
    },
    {
      name: 'machine policy (registry)', shape: 'text', seeds: [Buffer.from(REG_QUERY_SAMPLE)],
      run: (b) => parsePolicy(registryToPolicy(parseRegQuery(b.toString('utf8'), REGISTRY_KEY)), 'policy', 'C:\\Users\\ana'), allowed: havre,
    },
    { name: 'appliance.json', shape: 'json', seeds: [text(newConfig({ names: ['backup.example', '10.0.0.5'] }))], run: (j) => parseApplianceConfig(json(j)), allowed: jsonOr(protocol) },
    { name: 'retention: keep-within', shape: 'text', seeds: [Buffer.from('1y2m3d4h'), Buffer.from('30d')], run: (b) => parseKeepWithin(b.toString('utf8'), new Date(0)), allowed: havre },
    {
      name: 'retention: policy', shape: 'json', seeds: [text({ keepLast: 3, keepDaily: 7, keepWithin: '2d', keepTags: ['a,b'] })],
      run: (j) => applyRetention([{ id: 'a'.repeat(64), time: new Date(0).toISOString(), tags: ['a'] }, { id: 'b'.repeat(64), time: new Date(1e12).toISOString(), tags: [] }],
        json(j) as Parameters<typeof applyRetention>[1], new Date(2e12)),
      allowed: jsonOr(havre),
    },
  ];
  return t;
}

function indexPayload(packs: { packId: string; size: number; entries: PackEntry[] }[]): Buffer {
  const parts: Buffer[] = [Buffer.alloc(4)];
  parts[0]!.writeUInt32LE(packs.length);
  for (const p of packs) {
    const head = Buffer.alloc(40);
    Buffer.from(p.packId, 'hex').copy(head);
    head.writeUInt32LE(p.size, 32);
    head.writeUInt32LE(p.entries.length, 36);
    parts.push(head, encodeEntries(p.entries).subarray(4));
  }
  return Buffer.concat(parts);
}

/** An index or snapshot envelope with a codec byte of our choosing (FORMAT.md §7). */
function sealedWithCodec(encKey: Buffer, kind: number, codec: number, payload: Buffer): Buffer {
  const prefix = Buffer.from([1, kind, codec]);
  return Buffer.concat([prefix, seal(encKey, payload, prefix)]);
}

interface ResponseSeeds {
  machineId: string;
  summary: Record<string, unknown>;
  escrow: Record<string, unknown>;
  keys: { repoId: string; admin: { publicKey: string; secret: string }; user: { publicKey: string; secret: string; privateKey: unknown } };
  certPem: string;
  names: string[];
  events: unknown[];
  authKey: string;
}

/** The client's parsers of what an appliance answers (a hostile or broken server). */
function responseTargets(r: Rng, s: ResponseSeeds): FuzzTarget[] {
  const time = new Date(0).toISOString();
  const wrap = (s.keys.user.privateKey as { wrap: unknown }).wrap;
  const cases: [string, unknown[], (v: unknown) => unknown][] = [
    ['info', [{ protocol: 1, applianceId: s.machineId, caFingerprint: 'ab'.repeat(32), time }], responses.parseInfo],
    ['admin key', [{ applianceId: s.machineId, publicKey: s.keys.admin.publicKey }], responses.parseAdminKey],
    ['enroll response', [{ applianceId: s.machineId, machineId: s.machineId, certificate: s.certPem, beemoAes: s.authKey, heartbeatSeconds: 10800 }], responses.parseEnrollResponse],
    ['machine keys', [{ machineId: s.machineId, repoId: s.keys.repoId, host: 'PC', user: 'ana', beemoAes: s.authKey, secretPoste: s.keys.user.secret, passwordSet: false }], responses.parseMachineKeys],
    ['restore password answer', [{ machineId: s.machineId, passwordSet: true }], responses.parseSetPassword],
    ['auth params', [{ role: 'user', machines: [{ ...s.summary, wrap }] }], (v) => responses.parseAuthParams(v, 'user')],
    ['auth params (admin)', [{ role: 'admin', wrap }], (v) => responses.parseAuthParams(v, 'admin')],
    ['login', [{ role: 'user', session: 'A'.repeat(43), expires: time, keys: { machineId: s.machineId, repoId: s.keys.repoId, host: 'PC', user: 'ana',
      userPublicKey: s.keys.user.publicKey, secretUser: s.keys.user.secret, userPrivateKey: s.keys.user.privateKey } }], (v) => responses.parseLogin(v, 'user')],
    ['machine list', [{ machines: [s.summary, { ...s.summary, lastSeen: time, revoked: true }] }], responses.parseMachineList],
    ['admin machine keys', [{ machineId: s.machineId, repoId: s.keys.repoId, host: 'PC', user: 'ana', secretAdmin: s.keys.admin.secret }], responses.parseAdminMachineKeys],
    ['list page', [{ objects: s.names.map((name, i) => ({ name, size: i * 100 })), next: s.names[2] }, { objects: [] }], (v) => responses.parseListPage(v, r.chance(0.5) ? undefined : '0'.repeat(64))],
    ['delete', [{ applyAfter: time }], responses.parseDelete],
    ['heartbeat', [{ time, nextSeconds: 10800 }], responses.parseHeartbeat],
    ['events response', [{ accepted: 2, duplicates: 0, chainOk: true, head: { seq: 2, hash: 'cd'.repeat(32) } }], responses.parseEventsResponse],
    ['renew', [{ certificate: s.certPem }], responses.parseRenew],
    ['error body', [{ error: { code: 'LOCKED_OUT', message: 'locked', params: { until: time } } }], responses.parseWireError],
  ];
  return cases.map(([name, seeds, parse]) => ({
    name: `protocol: ${name} (answer)`, shape: 'json' as const, seeds: seeds.map(text), run: (j: Buffer) => parse(json(j)), allowed: jsonOr(protocol),
  }));
}
