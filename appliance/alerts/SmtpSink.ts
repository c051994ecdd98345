import nodemailer, { type Transporter } from 'nodemailer';
import type { SmtpConfig } from '../config/config.js';
import { SinkError, type AlertMessage, type AlertSink } from './AlertSink.js';

const TIMEOUT_MS = 15_000;

/** One e-mail per alert: subject "[Havre] <type> <machine>", plain-text body. */
export class SmtpSink implements AlertSink {
  readonly name = 'smtp';
  private readonly transport: Transporter;

  constructor(private readonly cfg: SmtpConfig, env: NodeJS.ProcessEnv = process.env) {
    const pass = cfg.passwordEnv ? env[cfg.passwordEnv] : undefined;
    this.transport = nodemailer.createTransport({
      host: cfg.host,
      port: cfg.port,
      secure: cfg.secure ?? false,
      ignoreTLS: cfg.ignoreTLS ?? false,
      connectionTimeout: TIMEOUT_MS,
      greetingTimeout: TIMEOUT_MS,
      socketTimeout: TIMEOUT_MS,
      ...(cfg.user ? { auth: { user: cfg.user, pass: pass ?? '' } } : {}),
    });
  }

  async deliver(alert: AlertMessage): Promise<void> {
    const lines = [
      alert.message,
      '',
      `Type: ${alert.type}`,
      `Time: ${alert.time}`,
      ...(alert.machineId ? [`Machine: ${alert.machine ?? alert.machineId} — ${alert.machineId}`] : []),
      `Alert: #${alert.id}`,
      '',
      'List open alerts on the appliance with `havre-appliance alerts`.',
    ];
    try {
      await this.transport.sendMail({
        from: this.cfg.from,
        to: [...this.cfg.to],
        subject: `[Havre] ${alert.type} ${alert.machine ?? 'appliance'}`,
        text: lines.join('\n') + '\n',
      });
    } catch (e) {
      // nodemailer's codes (ECONNECTION, EAUTH, EENVELOPE...) and the server's reply code: no credentials.
      const o = (typeof e === 'object' && e !== null ? e : {}) as { code?: unknown; responseCode?: unknown };
      const code = typeof o.code === 'string' ? o.code : 'error';
      throw new SinkError(typeof o.responseCode === 'number' ? `${code} ${o.responseCode}` : code);
    }
  }

  close(): void {
    this.transport.close();
  }
}
