// The appliance's own certificate authority (PROTOCOL.md §1): ECDSA P-256 / SHA-256, self-signed,
// 20 years. It issues the server certificate (the names of the configuration, serverAuth) and one
// client certificate per machine (CN=<machineId>, clientAuth, 5 years). Files in <data>/tls/:
// ca.pem, ca.key (0600), server.pem, server.key (0600), keys as PKCS#8 PEM.
//
// What the CA key is worth to a thief: it lets one impersonate a machine's *transport* (and the
// appliance to machines), never decrypt anything: SECRET is only ever wrapped, never here in clear.
//
// Validity periods use the real time of this computer, not the appliance's injected clock: TLS
// stacks check them against the real time, so a certificate dated by a test clock would not work.
import { X509Certificate, type webcrypto } from 'node:crypto';
import { mkdir, readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { certFingerprint } from '../../src-main/engine/appliance/protocol.js';
import { ApplianceError } from '../errors/index.js';
import { writeFileAtomic } from '../../src-main/engine/files/durable.js';
import type * as X509Builder from './x509.js';
import type { IssuedCertificate } from './x509.js';

export type { IssuedCertificate } from './x509.js';

export const TLS_DIR = 'tls';
const FILES = { caCert: 'ca.pem', caKey: 'ca.key', serverCert: 'server.pem', serverKey: 'server.key' } as const;
const RENEW_BEFORE_MS = 30 * 24 * 60 * 60 * 1000;

let builder: Promise<typeof X509Builder> | undefined;
/** @peculiar/x509 and its ASN.1 stack cost a few hundred ms to load: only when signing. */
function x509(): Promise<typeof X509Builder> {
  return (builder ??= import('./x509.js'));
}

export class CertificateAuthority {
  readonly fingerprint: string;
  private signingKey: Promise<webcrypto.CryptoKey> | undefined;

  private constructor(
    readonly certificatePem: string,
    private readonly keyPem: string,
    readonly serverCertificatePem: string,
    readonly serverKeyPem: string,
  ) {
    let cert: X509Certificate;
    try {
      cert = new X509Certificate(certificatePem);
    } catch {
      throw new ApplianceError('DATA_DAMAGED', { path: FILES.caCert, reason: 'the CA certificate cannot be read' });
    }
    this.fingerprint = certFingerprint(cert.raw);
  }

  /** Creates the CA and a server certificate for `names` in `<dataDir>/tls/`. */
  static async create(dataDir: string, applianceId: string, names: readonly string[]): Promise<CertificateAuthority> {
    const dir = join(dataDir, TLS_DIR);
    await mkdir(dir, { recursive: true, mode: 0o700 });
    const x = await x509();
    const ca = await x.createCa(applianceId);
    const server = await x.issueServer(ca.certPem, await x.importCaKey(ca.keyPem), names);
    await writeFileAtomic(join(dir, FILES.caKey), ca.keyPem, 0o600);
    await writeFileAtomic(join(dir, FILES.caCert), ca.certPem, 0o644);
    await writeFileAtomic(join(dir, FILES.serverKey), server.keyPem, 0o600);
    await writeFileAtomic(join(dir, FILES.serverCert), server.certPem, 0o644);
    return new CertificateAuthority(ca.certPem, ca.keyPem, server.certPem, server.keyPem);
  }

  static async load(dataDir: string): Promise<CertificateAuthority> {
    const dir = join(dataDir, TLS_DIR);
    const read = (f: string): Promise<string> => readFile(join(dir, f), 'utf8');
    const [caPem, caKeyPem, serverPem, serverKeyPem] = await Promise.all([read(FILES.caCert), read(FILES.caKey), read(FILES.serverCert), read(FILES.serverKey)]);
    return new CertificateAuthority(caPem, caKeyPem, serverPem, serverKeyPem);
  }

  /** Whether the server certificate names exactly `names` and stays valid for 30 more days. */
  serverCertificateFits(names: readonly string[]): boolean {
    const cert = new X509Certificate(this.serverCertificatePem);
    const have = (cert.subjectAltName ?? '').split(', ').map((s) => s.replace(/^(DNS|IP Address):/, '')).sort();
    return JSON.stringify(have) === JSON.stringify([...names].sort()) && Date.parse(cert.validTo) - Date.now() > RENEW_BEFORE_MS;
  }

  /** Issues a new server certificate and key (when the names change or it nears expiry). */
  async renewServerCertificate(dataDir: string, names: readonly string[]): Promise<CertificateAuthority> {
    const dir = join(dataDir, TLS_DIR);
    const server = await (await x509()).issueServer(this.certificatePem, await this.key(), names);
    await writeFileAtomic(join(dir, FILES.serverKey), server.keyPem, 0o600);
    await writeFileAtomic(join(dir, FILES.serverCert), server.certPem, 0o644);
    return new CertificateAuthority(this.certificatePem, this.keyPem, server.certPem, server.keyPem);
  }

  /** Signs a machine's certificate request (see x509.ts): CN=<machineId>, clientAuth, 5 years. */
  async signMachineRequest(csrPem: string, machineId: string): Promise<IssuedCertificate> {
    return (await x509()).signMachineRequest(this.certificatePem, await this.key(), csrPem, machineId);
  }

  private key(): Promise<webcrypto.CryptoKey> {
    return (this.signingKey ??= x509().then((x) => x.importCaKey(this.keyPem)));
  }
}
