// Trust on first use, done safely (PROTOCOL.md §1, §3): the workstation knows the appliance CA's
// fingerprint from the enrollment token or --ca-fingerprint, fetches the CA over a connection it
// does not verify yet, and accepts it only if the fingerprint matches. From then on the client
// trusts that one CA and nothing else. Nothing is sent on the unverified connection but the GET.
import { X509Certificate } from 'node:crypto';
import { Agent } from 'node:https';
import { HavreError } from '../errors/index.js';
import { normaliseApplianceUrl } from './ApplianceClient.js';
import { isRetryableTransport, mapTransportError } from './errors.js';
import { API, certFingerprint } from './protocol.js';
import { backoffDelay, defaultSleep, DEFAULT_RETRY, type RetryPolicy } from '../net/retry.js';
import { loadGot } from '../net/loadGot.js';

const FINGERPRINT = /^[0-9a-f]{64}$/;
const MAX_CA_BYTES = 64 * 1024;

/** Accepts `AB:CD:…` or upper case too, as people copy fingerprints from other tools. */
export function normaliseFingerprint(text: string): string {
  const fp = text.trim().toLowerCase().replace(/:/g, '');
  if (!FINGERPRINT.test(fp)) throw new HavreError('USAGE', { detail: 'a CA fingerprint is 64 hexadecimal characters (SHA-256)' });
  return fp;
}

/**
 * The one certificate of a PEM text as a clean PEM, if it is the one with this fingerprint. Only
 * the matching certificate is kept: a server appending a second CA of its own to the text must not
 * get it trusted.
 */
export function pinnedCaFromPem(pemText: string, fingerprint: string): string | null {
  const blocks = pemText.match(/-----BEGIN CERTIFICATE-----[\s\S]+?-----END CERTIFICATE-----/g) ?? [];
  if (blocks.length !== 1) return null;
  let der: Buffer;
  try {
    der = new X509Certificate(blocks[0]!).raw;
  } catch {
    return null;
  }
  if (certFingerprint(der) !== fingerprint) return null;
  const b64 = der.toString('base64').replace(/.{1,64}/g, '$&\n');
  return `-----BEGIN CERTIFICATE-----\n${b64}-----END CERTIFICATE-----\n`;
}

/** The SHA-256 fingerprint of a PEM certificate, or null when it is not one. */
export function pemFingerprint(pemText: string): string | null {
  try {
    return certFingerprint(new X509Certificate(pemText).raw);
  } catch {
    return null;
  }
}

/**
 * GET /v1/ca without verifying the server, then the fingerprint check. Throws
 * APPLIANCE_CERT_MISMATCH when the CA served is not the expected one, APPLIANCE_UNREACHABLE when
 * nothing answers.
 */
export async function fetchPinnedCa(url: string, fingerprint: string, opts: { retry?: Partial<RetryPolicy>; timeoutMs?: number } = {}): Promise<string> {
  const base = normaliseApplianceUrl(url);
  const fp = normaliseFingerprint(fingerprint);
  const retry = { ...DEFAULT_RETRY, ...opts.retry };
  const timeout = opts.timeoutMs ?? 10_000;
  for (let attempt = 1; ; attempt++) {
    let status: number;
    let body: Buffer;
    // Its own agent, no keep-alive: an unverified connection is never pooled or reused.
    const agent = new Agent({ keepAlive: false, rejectUnauthorized: false, minVersion: 'TLSv1.2' });
    try {
      const res = await (await loadGot())(`${base}${API}/ca`, {
        // Deliberately unverified: what is checked is the fingerprint of what comes back.
        https: { rejectUnauthorized: false, minVersion: 'TLSv1.2' },
        agent: { https: agent },
        throwHttpErrors: false,
        retry: { limit: 0 },
        followRedirect: false,
        decompress: false,
        responseType: 'buffer',
        timeout: { lookup: timeout, connect: timeout, secureConnect: timeout, response: timeout, socket: timeout },
        headers: { 'user-agent': 'havre', accept: 'application/x-pem-file' },
      });
      status = res.statusCode;
      body = res.body;
    } catch (e) {
      if (attempt < retry.maxAttempts && isRetryableTransport(e)) {
        await (retry.sleep ?? defaultSleep)(backoffDelay(attempt - 1, retry));
        continue;
      }
      throw mapTransportError(e, base);
    } finally {
      agent.destroy();
    }
    if (status !== 200 || body.length > MAX_CA_BYTES) {
      throw new HavreError('APPLIANCE_CERT_MISMATCH', { url: base, reason: `no CA certificate at ${API}/ca (HTTP ${status})` });
    }
    const pem = pinnedCaFromPem(body.toString('utf8'), fp);
    if (pem === null) throw new HavreError('APPLIANCE_CERT_MISMATCH', { url: base, reason: 'its CA certificate does not have the expected fingerprint' });
    return pem;
  }
}
