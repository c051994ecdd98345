// Chromium (electron-updater's downloads) trusts the OS's roots, not the appliance's own CA. The
// shell installs a certificate check on electron-updater's session that accepts the appliance's
// server certificate exactly as the engine's TLS does: issued and signed by the pinned CA, valid
// now, for the appliance's host name. Anything else is left to Chromium's own verdict.
import { X509Certificate } from 'node:crypto';
import { isIP } from 'node:net';

export function issuedByPinnedCa(serverPem: string, caPem: string, hostname: string, now = new Date()): boolean {
  try {
    const leaf = new X509Certificate(serverPem);
    const ca = new X509Certificate(caPem);
    if (!leaf.checkIssued(ca) || !leaf.verify(ca.publicKey)) return false;
    if (now < new Date(leaf.validFrom) || now > new Date(leaf.validTo)) return false;
    const host = hostname.replace(/^\[|\]$/g, '');
    return isIP(host) ? leaf.checkIP(host) !== undefined : leaf.checkHost(host) !== undefined;
  } catch {
    return false;
  }
}
