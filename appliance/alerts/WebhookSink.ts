import got, { HTTPError, RequestError } from 'got';
import { SinkError, type AlertMessage, type AlertSink } from './AlertSink.js';

const TIMEOUT_MS = 10_000;

/** POSTs `{alert: {id, time, type, machineId, message}}` as JSON; any 2xx answer is a delivery. */
export class WebhookSink implements AlertSink {
  readonly name = 'webhook';

  constructor(private readonly url: string) {}

  async deliver(alert: AlertMessage): Promise<void> {
    const body = { alert: { id: alert.id, time: alert.time, type: alert.type, machineId: alert.machineId, message: alert.message } };
    try {
      // Retries are the appliance's (on later ticks), not got's: one attempt per tick.
      await got.post(this.url, { json: body, timeout: { request: TIMEOUT_MS }, retry: { limit: 0 }, followRedirect: false });
    } catch (e) {
      // The URL may hold a secret (a token in its path or query): never put it in the message.
      if (e instanceof HTTPError) throw new SinkError(`HTTP ${e.response.statusCode}`);
      if (e instanceof RequestError) throw new SinkError(e.code || e.name);
      throw new SinkError(e instanceof Error ? e.name : 'error');
    }
  }
}
