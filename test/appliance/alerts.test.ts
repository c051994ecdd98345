// Alert delivery (PROTOCOL.md §8) to real sinks on this machine: an HTTP webhook server and an
// SMTP server (smtp-server). A failing sink is retried on a later tick, without resending to the
// sinks that already have the alert.
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { SMTPServer } from 'smtp-server';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { HOUR_MS } from '../../appliance/clock.js';
import { startAppliance, type TestAppliance } from './helpers/appliance.js';
import { call } from './helpers/https.js';
import { enroll, type TestMachine } from './helpers/machines.js';
import { newObject, putObject } from './helpers/objects.js';

interface Hook {
  readonly alert: { id: number; time: string; type: string; machineId: string | null; message: string };
}

interface Mail {
  readonly from: string;
  readonly to: string[];
  readonly raw: string;
}

describe('appliance alert delivery', () => {
  let t: TestAppliance;
  let m: TestMachine;
  let web: Server;
  let smtp: SMTPServer;
  const hooks: Hook[] = [];
  const mails: Mail[] = [];
  let webStatus = 200;

  beforeAll(async () => {
    web = createServer((req, res) => {
      const chunks: Buffer[] = [];
      req.on('data', (c: Buffer) => chunks.push(c));
      req.on('end', () => {
        if (webStatus === 200) hooks.push(JSON.parse(Buffer.concat(chunks).toString()) as Hook);
        res.writeHead(webStatus).end();
      });
    });
    await new Promise<void>((r) => web.listen(0, '127.0.0.1', r));
    smtp = new SMTPServer({
      authOptional: true,
      disabledCommands: ['STARTTLS', 'AUTH'],
      logger: false,
      onData(stream, session, cb) {
        const chunks: Buffer[] = [];
        stream.on('data', (c: Buffer) => chunks.push(c));
        stream.on('end', () => {
          mails.push({ from: session.envelope.mailFrom ? session.envelope.mailFrom.address : '', to: session.envelope.rcptTo.map((r) => r.address), raw: Buffer.concat(chunks).toString() });
          cb();
        });
      },
    });
    await new Promise<void>((r) => smtp.listen(0, '127.0.0.1', r));
    const webPort = (web.address() as AddressInfo).port;
    const smtpPort = (smtp.server.address() as AddressInfo).port;
    t = await startAppliance({
      config: (c) => ({
        ...c,
        summaryHours: 0, // this file counts deliveries of single alerts; the summary has its own test
        alerts: {
          webhook: { url: `http://127.0.0.1:${webPort}/hooks/havre?token=s3cret` },
          smtp: { host: '127.0.0.1', port: smtpPort, secure: false, ignoreTLS: true, from: 'appliance@example.test', to: ['it@example.test', 'oncall@example.test'] },
        },
      }),
    });
    m = await enroll(t, { host: 'PC-SILENT' });
  });

  afterAll(async () => {
    await t.stop();
    await new Promise<void>((r) => web.close(() => r()));
    await new Promise<void>((r) => smtp.close(() => r()));
  });

  it('delivers an alert to the webhook (JSON) and by e-mail, once', async () => {
    await call(t, 'POST', '/v1/machine/heartbeat', { id: m.id, json: { status: {}, config: {} } });
    t.clock.advance(73 * HOUR_MS);
    const report = await t.app.tick();
    expect(report.silentMachines).toBe(1);
    expect(report.alertsDelivered).toBe(1);

    expect(hooks).toHaveLength(1);
    const a = hooks[0]!.alert;
    expect(Object.keys(a).sort()).toEqual(['id', 'machineId', 'message', 'time', 'type']);
    expect(a).toMatchObject({ type: 'MACHINE_SILENT', machineId: m.machineId });
    expect(a.message).toContain('PC-SILENT');

    expect(mails).toHaveLength(1);
    expect(mails[0]!.from).toBe('appliance@example.test');
    expect(mails[0]!.to).toEqual(['it@example.test', 'oncall@example.test']);
    expect(mails[0]!.raw).toContain(`Subject: [Havre] MACHINE_SILENT PC-SILENT (${m.machineId.slice(0, 8)})`);
    expect(mails[0]!.raw).toContain('has not reported since');

    const stored = t.app.alerts.get(a.id)!;
    expect(stored).toMatchObject({ delivery: 'delivered', attempts: 1, lastError: null });
    expect([...stored.deliveredTo].sort()).toEqual(['smtp', 'webhook']);
    await t.app.tick();
    expect(hooks).toHaveLength(1);
    expect(mails).toHaveLength(1);
  });

  it('retries a failing sink on a later tick, after its backoff, and only that sink', async () => {
    webStatus = 500;
    const q = await enroll(t, { host: 'PC-FULL' });
    t.app.machines.setQuota(q.machineId, 10, 'admin-cli');
    expect((await putObject(t, q, 'data', newObject(100).bytes)).status).toBe(507);
    const alert = t.app.alerts.list({ machineId: q.machineId }).find((x) => x.type === 'QUOTA_EXCEEDED')!;

    const first = await t.app.tick();
    expect(first.alertsFailed).toBe(1);
    let stored = t.app.alerts.get(alert.id)!;
    expect(stored).toMatchObject({ delivery: 'pending', attempts: 1, deliveredTo: ['smtp'] });
    expect(stored.lastError).toBe('webhook: HTTP 500'); // the URL (and its token) never appears
    const mailsFor = () => mails.filter((x) => x.raw.includes('QUOTA_EXCEEDED')).length;
    expect(mailsFor()).toBe(1);

    await t.app.tick(); // within the backoff: no new attempt
    expect(t.app.alerts.get(alert.id)!.attempts).toBe(1);

    webStatus = 200;
    t.clock.advance(60_000);
    const later = await t.app.tick();
    expect(later.alertsDelivered).toBe(1);
    stored = t.app.alerts.get(alert.id)!;
    expect(stored.delivery).toBe('delivered');
    expect(stored.attempts).toBe(2);
    expect(hooks.filter((h) => h.alert.id === alert.id)).toHaveLength(1);
    expect(mailsFor()).toBe(1); // not e-mailed twice
  });
});
