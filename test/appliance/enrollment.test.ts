// Enrollment (PROTOCOL.md §3–4) over real HTTPS: discovery, single-use tokens, expiry, strict
// bodies, certificate issuance, and that a failed enrollment leaves its token usable.
import { X509Certificate } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { DAY_MS, HOUR_MS } from '../../appliance/clock.js';
import { certFingerprint, parseToken, type EnrollResponse, type InfoResponse, type MachineKeysResponse } from '../../src-main/engine/appliance/protocol.js';
import { sealPosteKey, unlockAsMachine } from '../../src-main/engine/crypto/index.js';
import { startAppliance, type TestAppliance } from './helpers/appliance.js';
import { call, open } from './helpers/https.js';
import { forgedCsr } from './helpers/identity.js';
import { enroll, enrollBody } from './helpers/machines.js';

describe('appliance enrollment', () => {
  let t: TestAppliance;

  beforeAll(async () => {
    t = await startAppliance();
  });
  afterAll(() => t.stop());

  it('tells its identity: info, the CA whose fingerprint tokens pin, the admin public key', async () => {
    const info = (await call(t, 'GET', '/v1/info')).json<InfoResponse>();
    expect(info.protocol).toBe(1);
    expect(info.applianceId).toBe(t.app.config.applianceId);
    expect(info.time).toBe(new Date(t.clock.now()).toISOString());
    const ca = await call(t, 'GET', '/v1/ca');
    expect(ca.headers['content-type']).toBe('application/x-pem-file');
    const fp = certFingerprint(new X509Certificate(ca.body).raw);
    expect(fp).toBe(info.caFingerprint);
    const token = parseToken(t.app.tokens.create().token);
    expect(token?.caFingerprint).toBe(fp);
    const adminKey = (await call(t, 'GET', '/v1/admin-key')).json<{ applianceId: string; publicKey: string }>();
    expect(adminKey.applianceId).toBe(info.applianceId);
    expect(Buffer.from(adminKey.publicKey, 'base64').length).toBeGreaterThan(400); // RSA-3072 SPKI
  });

  it('enrolls a machine: a clientAuth certificate for CN=<machineId> from the appliance CA, BEEMO_AES, and keys that unlock SECRET', async () => {
    const { body, keyPem, escrow } = await enrollBody(t, { host: 'PC-BOB', user: 'bob' });
    const r = await call(t, 'POST', '/v1/enroll', { json: body });
    expect(r.status).toBe(201);
    const e = r.json<EnrollResponse>();
    expect(e.applianceId).toBe(t.app.config.applianceId);
    expect(e.machineId).toMatch(/^[0-9a-f]{32}$/);
    expect(e.heartbeatSeconds).toBe(3 * 3600);
    const cert = new X509Certificate(e.certificate);
    expect(cert.subject).toBe(`CN=${e.machineId}`); // not the CSR's subject
    expect(cert.checkIssued(new X509Certificate(t.caPem))).toBe(true);
    expect(cert.keyUsage).toEqual(['1.3.6.1.5.5.7.3.2']);
    expect(Date.parse(cert.validTo) - Date.now()).toBeGreaterThan(4.9 * 365 * DAY_MS);
    const beemo = Buffer.from(e.beemoAes, 'base64');
    expect(beemo.length).toBe(32);

    // The machine's daily unlock: BEEMO_AES opens POSTE_PRIV_AES, which opens SECRET_POSTE.
    const keys = (await call(t, 'GET', '/v1/machine/keys', { id: { certPem: e.certificate, keyPem } })).json<MachineKeysResponse>();
    expect(keys).toMatchObject({ machineId: e.machineId, repoId: body.keys.repoId, host: 'PC-BOB', user: 'bob', beemoAes: e.beemoAes, secretPoste: body.keys.secretPoste });
    const posteSealed = sealPosteKey(beemo, escrow.postePrivateKey, keys.repoId, keys.secretPoste);
    expect(unlockAsMachine(Buffer.from(keys.beemoAes, 'base64'), posteSealed, keys.repoId, keys.secretPoste).equals(escrow.secret)).toBe(true);
    expect(t.app.machines.info(e.machineId)).toMatchObject({ host: 'PC-BOB', user: 'bob', revoked: false });
  });

  it('a token enrolls one machine only: the second use gets 403 TOKEN_INVALID (used)', async () => {
    const token = t.app.tokens.create().token;
    await enroll(t, { token });
    const second = await call(t, 'POST', '/v1/enroll', { json: (await enrollBody(t, { token })).body });
    expect(second.status).toBe(403);
    expect(second.json()).toMatchObject({ error: { code: 'TOKEN_INVALID', params: { reason: 'used' } } });
  });

  it('two enrollments racing with one token: exactly one machine', async () => {
    const token = t.app.tokens.create().token;
    const [a, b] = await Promise.all([enrollBody(t, { token }), enrollBody(t, { token })]);
    const replies = await Promise.all([call(t, 'POST', '/v1/enroll', { json: a.body }), call(t, 'POST', '/v1/enroll', { json: b.body })]);
    expect(replies.map((r) => r.status).sort()).toEqual([201, 403]);
  });

  it('an expired token is refused (the clock moved past its lifetime), and so are revoked and unknown ones', async () => {
    const { token, info } = t.app.tokens.create({ ttlHours: 2 });
    const { body } = await enrollBody(t, { token });
    t.clock.advance(2 * HOUR_MS);
    const r = await call(t, 'POST', '/v1/enroll', { json: body });
    expect(r.status).toBe(403);
    expect(r.json()).toMatchObject({ error: { code: 'TOKEN_INVALID', params: { reason: 'expired' } } });
    expect(t.app.tokens.info(info.id).state).toBe('expired');

    const revoked = t.app.tokens.create();
    t.app.tokens.revoke(revoked.info.id);
    const rr = await call(t, 'POST', '/v1/enroll', { json: (await enrollBody(t, { token: revoked.token })).body });
    expect(rr.json()).toMatchObject({ error: { code: 'TOKEN_INVALID', params: { reason: 'revoked' } } });

    // Right id, wrong secret: "unknown", like an id that never existed.
    const real = parseToken(t.app.tokens.create().token)!;
    const wrongSecret = `HVT1.${real.id}.${'A'.repeat(43)}.${real.caFingerprint}`;
    const ru = await call(t, 'POST', '/v1/enroll', { json: (await enrollBody(t, { token: wrongSecret })).body });
    expect(ru.status).toBe(403);
    expect(ru.json()).toMatchObject({ error: { code: 'TOKEN_INVALID', params: { reason: 'unknown' } } });
  });

  it('a failed enrollment (bad CSR signature) does not use the token', async () => {
    const { token, info } = t.app.tokens.create();
    const { body } = await enrollBody(t, { token });
    const r = await call(t, 'POST', '/v1/enroll', { json: { ...body, csr: await forgedCsr() } });
    expect(r.status).toBe(400);
    expect(r.json()).toMatchObject({ error: { code: 'BAD_REQUEST', params: { reason: 'csr signature does not verify' } } });
    expect(t.app.tokens.info(info.id).state).toBe('active');
    expect((await call(t, 'POST', '/v1/enroll', { json: body })).status).toBe(201);
    expect(t.app.tokens.info(info.id).state).toBe('used');
  });

  it('refuses malformed JSON, unknown members, missing members and bad keys with 400 and a reason', async () => {
    const bad = await call(t, 'POST', '/v1/enroll', { body: '{"token": "HVT1.', headers: { 'Content-Type': 'application/json' } });
    expect(bad.status).toBe(400);
    expect(bad.json()).toMatchObject({ error: { code: 'BAD_REQUEST', message: expect.any(String), params: { reason: 'the body is not JSON' } } });

    const { body, keyPem: _k } = await enrollBody(t);
    const extra = await call(t, 'POST', '/v1/enroll', { json: { ...body, admin: true } });
    expect(extra.status).toBe(400);
    expect(extra.json()).toMatchObject({ error: { params: { reason: 'enroll.admin is not expected' } } });

    const { authKey: _a, ...missing } = body;
    const m = await call(t, 'POST', '/v1/enroll', { json: missing });
    expect(m.json()).toMatchObject({ error: { code: 'BAD_REQUEST', params: { reason: 'enroll.authKey is missing' } } });

    const weak = await call(t, 'POST', '/v1/enroll', { json: { ...body, keys: { ...body.keys, userPublicKey: Buffer.alloc(300).toString('base64') } } });
    expect(weak.json()).toMatchObject({ error: { code: 'BAD_REQUEST', params: { reason: 'enroll.keys.userPublicKey is not an RSA-3072 public key' } } });

    // None of these used the token.
    expect((await call(t, 'POST', '/v1/enroll', { json: body })).status).toBe(201);
  });

  it('refuses a JSON body over 256 KiB with 413: before reading it when Content-Length says so, while reading it otherwise', async () => {
    // Headers only: the appliance answers without waiting for a byte of the body.
    const { req, reply } = open(t, 'POST', '/v1/enroll', { headers: { 'Content-Type': 'application/json', 'Content-Length': 300 * 1024 } });
    req.flushHeaders();
    const r = await reply;
    req.destroy();
    expect(r.status).toBe(413);
    expect(r.json()).toMatchObject({ error: { code: 'TOO_LARGE', params: { limit: 256 * 1024 } } });

    // Chunked, no length: cut off once past the limit.
    const chunked = open(t, 'POST', '/v1/auth/params', { headers: { 'Content-Type': 'application/json', 'Transfer-Encoding': 'chunked' } });
    chunked.req.write(Buffer.alloc(257 * 1024, 0x20));
    const c = await chunked.reply;
    chunked.req.destroy();
    expect(c.status).toBe(413);
    expect(c.headers.connection).toBe('close');
  });

  it('answers unknown routes with 404 NOT_FOUND in the error format', async () => {
    const r = await call(t, 'GET', '/v1/nothing-here');
    expect(r.status).toBe(404);
    expect(r.json()).toMatchObject({ error: { code: 'NOT_FOUND' } });
  });
});
