import type { AlertsConfig } from '../config/config.js';
import type { AlertSink } from './AlertSink.js';

/**
 * The sinks appliance.json configures, in a fixed order. Loaded on demand: got and nodemailer
 * cost a few hundred ms at start-up, which the admin CLI should not pay for nothing.
 */
export async function sinksFromConfig(cfg: AlertsConfig | undefined, env: NodeJS.ProcessEnv = process.env): Promise<AlertSink[]> {
  const sinks: AlertSink[] = [];
  if (cfg?.webhook) sinks.push(new (await import('./WebhookSink.js')).WebhookSink(cfg.webhook.url));
  if (cfg?.smtp) sinks.push(new (await import('./SmtpSink.js')).SmtpSink(cfg.smtp, env));
  return sinks;
}
