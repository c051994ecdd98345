// Machine identity over mutual TLS (PROTOCOL.md §1–2): only a certificate from the appliance's CA,
// naming an enrolled, non-revoked machine, opens the *machine* endpoints.
import { Agent } from 'node:https';
import { connect } from 'node:tls';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { HeartbeatResponse, MachineKeysResponse } from '../../src-main/engine/appliance/protocol.js';
import { X509Certificate } from 'node:crypto';
import { startAppliance, type TestAppliance } from './helpers/appliance.js';
import { call } from './helpers/https.js';
import { foreignIdentity, newKeyAndCsr } from './helpers/identity.js';
import { enroll, type TestMachine } from './helpers/machines.js';

describe('appliance transport and machine identity', () => {
  let t: TestAppliance;
  let alice: TestMachine;

  beforeAll(async () => {
    t = await startAppliance();
    alice = await enroll(t);
  });
  afterAll(() => t.stop());

  it('a machine endpoint without a client certificate gets 401 AUTH_REQUIRED', async () => {
    const r = await call(t, 'GET', '/v1/machine/keys');
    expect(r.status).toBe(401);
    expect(r.code).toBe('AUTH_REQUIRED');
  });

  it('a certificate from another CA gets 401 CERT_UNTRUSTED, even with an enrolled machine id as its name', async () => {
    const foreign = await foreignIdentity(alice.machineId);
    const r = await call(t, 'GET', '/v1/machine/keys', { id: foreign });
    expect(r.status).toBe(401);
    expect(r.code).toBe('CERT_UNTRUSTED');
    const put = await call(t, 'PUT', `/v1/machines/${alice.machineId}/objects/data/${'0'.repeat(64)}`, { id: foreign, body: Buffer.alloc(1) });
    expect(put.status).toBe(401);
    expect(put.code).toBe('CERT_UNTRUSTED');
  });

  it('the machine is known by its certificate: GET /v1/machine/keys answers its own keys only', async () => {
    const bob = await enroll(t, { host: 'PC-BOB', user: 'bob' });
    const a = (await call(t, 'GET', '/v1/machine/keys', { id: alice.id })).json<MachineKeysResponse>();
    const b = (await call(t, 'GET', '/v1/machine/keys', { id: bob.id })).json<MachineKeysResponse>();
    expect(a.machineId).toBe(alice.machineId);
    expect(Buffer.from(a.beemoAes, 'base64').equals(alice.beemoAes)).toBe(true);
    expect(b.machineId).toBe(bob.machineId);
    expect(a.beemoAes).not.toBe(b.beemoAes);
    // Nothing in the request can ask for another machine's keys.
    const q = await call(t, 'GET', `/v1/machine/keys?machineId=${bob.machineId}`, { id: alice.id });
    expect(q.json<MachineKeysResponse>().machineId).toBe(alice.machineId);
  });

  it('keeps a connection alive across requests, and a resumed TLS session still identifies the machine', async () => {
    const agent = new Agent({ keepAlive: true, maxSockets: 1 });
    try {
      for (let i = 0; i < 3; i++) {
        const r = await call(t, 'POST', '/v1/machine/heartbeat', { id: alice.id, agent, json: { status: { n: i }, config: {} } });
        expect(r.status).toBe(200);
        expect(r.json<HeartbeatResponse>().nextSeconds).toBe(3 * 3600);
        expect(r.reusedSocket).toBe(i > 0);
      }
      // An error answer to a request whose body was read keeps the connection too.
      expect((await call(t, 'GET', '/v1/nothing', { id: alice.id, agent })).status).toBe(404);
      const bad = await call(t, 'POST', '/v1/machine/heartbeat', { id: alice.id, agent, json: { status: {}, config: {}, extra: 1 } });
      expect(bad.status).toBe(400);
      const after = await call(t, 'GET', '/v1/machine/keys', { id: alice.id, agent });
      expect(after.status).toBe(200);
      expect(after.reusedSocket).toBe(true);
      agent.destroy(); // new connections, resuming the cached TLS session
      const resumed = new Agent({ keepAlive: false });
      const r1 = await call(t, 'GET', '/v1/machine/keys', { id: alice.id, agent: resumed });
      const r2 = await call(t, 'GET', '/v1/machine/keys', { id: alice.id, agent: resumed });
      expect([r1.status, r2.status]).toEqual([200, 200]);
      expect(r2.tlsResumed).toBe(true);
      expect(r2.json<MachineKeysResponse>().machineId).toBe(alice.machineId);
      resumed.destroy();
    } finally {
      agent.destroy();
    }
  });

  it('serves a certificate for the configured names, reissued at start when they change', async () => {
    const other = await startAppliance({ config: (c) => ({ ...c, names: ['localhost', '127.0.0.1', 'backup.corp.test'] }) });
    try {
      const peer = await new Promise<X509Certificate>((resolve, reject) => {
        const s = connect({ host: '127.0.0.1', port: other.port, ca: other.caPem, servername: 'backup.corp.test' }, () => {
          resolve(new X509Certificate(s.getPeerCertificate().raw));
          s.destroy();
        });
        s.on('error', reject);
      });
      expect(peer.subjectAltName).toBe('DNS:localhost, IP Address:127.0.0.1, DNS:backup.corp.test');
      expect(peer.checkIssued(new X509Certificate(other.caPem))).toBe(true);
    } finally {
      await other.stop();
    }
  });

  it('refuses TLS 1.1', async () => {
    const outcome = await new Promise<string>((resolve) => {
      const s = connect({ host: '127.0.0.1', port: t.port, ca: t.caPem, servername: 'localhost', minVersion: 'TLSv1', maxVersion: 'TLSv1.1' });
      s.on('secureConnect', () => {
        resolve('connected');
        s.destroy();
      });
      s.on('error', (e) => resolve((e as NodeJS.ErrnoException).code ?? e.message));
    });
    expect(outcome).not.toBe('connected');
  });

  it('a revoked machine gets 403 MACHINE_REVOKED on every machine endpoint', async () => {
    const m = await enroll(t, { host: 'PC-STOLEN' });
    expect((await call(t, 'GET', '/v1/machine/keys', { id: m.id })).status).toBe(200);
    t.app.machines.revoke(m.machineId, 'admin-cli');
    for (const [method, path] of [['GET', '/v1/machine/keys'], ['GET', '/v1/machine/events/head'], ['GET', `/v1/machines/${m.machineId}/objects/data`]] as const) {
      const r = await call(t, method, path, { id: m.id });
      expect(r.status, path).toBe(403);
      expect(r.code).toBe('MACHINE_REVOKED');
    }
    const hb = await call(t, 'POST', '/v1/machine/heartbeat', { id: m.id, json: { status: {}, config: {} } });
    expect(hb.code).toBe('MACHINE_REVOKED');
    expect(t.app.log.list({ machineId: m.machineId }).map((e) => e.action)).toContain('machine.revoke');
  });

  it('renewal issues a new certificate; the old one then gets 401 CERT_UNKNOWN', async () => {
    const m = await enroll(t, { host: 'PC-RENEW' });
    const { keyPem, csrPem } = await newKeyAndCsr();
    const r = await call(t, 'POST', '/v1/machine/renew', { id: m.id, json: { csr: csrPem } });
    expect(r.status).toBe(200);
    const fresh = { certPem: r.json<{ certificate: string }>().certificate, keyPem };
    expect((await call(t, 'GET', '/v1/machine/keys', { id: fresh })).json<MachineKeysResponse>().machineId).toBe(m.machineId);
    const old = await call(t, 'GET', '/v1/machine/keys', { id: m.id });
    expect(old.status).toBe(401);
    expect(old.code).toBe('CERT_UNKNOWN');
  });
});
