// Enrolls test machines the way the client does (PROTOCOL.md §4): pin the CA, fetch ADMIN_PUB,
// createEscrow, a CSR, POST /v1/enroll. RSA-3072 key generation costs seconds, so one escrow per
// (appliance, password) is made and reused with a fresh repository id: the appliance cannot
// tell, and every test still goes through the real endpoint. Only the first machine enrolled
// with an escrow keeps its repository id, so only its USER_PRIV_AES opens (its AAD binds the id).
import { createHash, randomBytes } from 'node:crypto';
import { join } from 'node:path';
import type { EnrollResponse, EscrowKeys } from '../../../src-main/engine/appliance/protocol.js';
import { createEscrow, derivePasswordKeys } from '../../../src-main/engine/crypto/index.js';
import type { TestAppliance } from './appliance.js';
import { call, type ClientIdentity, type Reply } from './https.js';
import { newKeyAndCsr } from './identity.js';
import { once, readJson, writeJson } from './shared.js';

export interface TestMachine {
  readonly machineId: string;
  readonly id: ClientIdentity;
  readonly beemoAes: Buffer;
  readonly host: string;
  readonly user: string;
  readonly password: string;
  readonly keys: EscrowKeys;
  /** What createEscrow returned: SECRET and POSTE's private key, to check unlock paths. */
  readonly secret: Buffer;
  readonly postePrivateKey: Buffer;
}

type Escrow = Awaited<ReturnType<typeof createEscrow>>;
type StoredEscrow = { record: EscrowKeys; authKey: string; postePrivateKey: string; secret: string };
const escrows = new Map<string, Promise<Escrow>>();
const used = new Set<string>();

/** One escrow per (admin key, password) per run, shared by the test files through a file. */
async function makeEscrow(adminPublicKey: string, password: string): Promise<Escrow> {
  const key = createHash('sha256').update(`${adminPublicKey}\n${password}`).digest('hex').slice(0, 16);
  const dir = await once(`escrow-${key}`, async (d) => {
    const e = await createEscrow({ repoId: randomBytes(16).toString('hex'), adminPublicKey, userPassword: password, kdf: 'test' });
    const stored: StoredEscrow = { record: e.record, authKey: e.authKey.toString('base64'), postePrivateKey: e.postePrivateKey.toString('base64'), secret: e.secret.toString('base64') };
    writeJson(join(d, 'escrow.json'), stored);
  });
  const s = readJson<StoredEscrow>(join(dir, 'escrow.json'));
  return { record: s.record, authKey: Buffer.from(s.authKey, 'base64'), postePrivateKey: Buffer.from(s.postePrivateKey, 'base64'), secret: Buffer.from(s.secret, 'base64') };
}

export async function escrowFor(t: TestAppliance, password: string): Promise<Escrow> {
  const admin = (await call(t, 'GET', '/v1/admin-key')).json<{ publicKey: string }>();
  const key = `${admin.publicKey}\n${password}`;
  let e = escrows.get(key);
  if (!e) {
    e = makeEscrow(admin.publicKey, password);
    escrows.set(key, e);
  }
  return e;
}

export interface EnrollBody {
  token: string;
  csr: string;
  host: string;
  user: string;
  keys: EscrowKeys;
  authKey: string;
}

/** The body of POST /v1/enroll, and the TLS key that goes with its CSR. */
export async function enrollBody(t: TestAppliance, opts: { token?: string; host?: string; user?: string; password?: string } = {}): Promise<{ body: EnrollBody; keyPem: string; escrow: Escrow }> {
  const password = opts.password ?? 'user password';
  const escrow = await escrowFor(t, password);
  const { keyPem, csrPem } = await newKeyAndCsr();
  const body: EnrollBody = {
    token: opts.token ?? t.app.tokens.create().token,
    csr: csrPem,
    host: opts.host ?? 'PC-ALICE',
    user: opts.user ?? 'alice',
    keys: used.has(escrow.record.repoId) ? { ...escrow.record, repoId: randomBytes(16).toString('hex') } : escrow.record,
    authKey: escrow.authKey.toString('base64'),
  };
  used.add(escrow.record.repoId);
  return { body, keyPem, escrow };
}

export async function enroll(t: TestAppliance, opts: { token?: string; host?: string; user?: string; password?: string } = {}): Promise<TestMachine> {
  const { body, keyPem, escrow } = await enrollBody(t, opts);
  const r: Reply = await call(t, 'POST', '/v1/enroll', { json: body });
  if (r.status !== 201) throw new Error(`enrollment failed: ${r.status} ${r.body.toString()}`);
  const e = r.json<EnrollResponse>();
  return {
    machineId: e.machineId,
    id: { certPem: e.certificate, keyPem },
    beemoAes: Buffer.from(e.beemoAes, 'base64'),
    host: body.host,
    user: body.user,
    password: opts.password ?? 'user password',
    keys: body.keys,
    secret: escrow.secret,
    postePrivateKey: escrow.postePrivateKey,
  };
}

/** The auth key of PROTOCOL.md §5, derived the way the client does it. */
export async function authKeyOf(password: string, wrap: EscrowKeys['userPrivateKey']['wrap']): Promise<string> {
  const { authKey, wrapKey } = await derivePasswordKeys(password, wrap);
  wrapKey.fill(0);
  return authKey.toString('base64');
}
