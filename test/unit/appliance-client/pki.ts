// Test certificates made on the fly: a CA, server certificates it issues (for the right or a wrong
// name), client certificates, and a second, unrelated CA (the interceptor's).
import 'reflect-metadata';
import { createServer, type Server } from 'node:https';
import type { IncomingMessage, ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import type { TLSSocket } from 'node:tls';
import { webcrypto, X509Certificate } from 'node:crypto';
import * as x509 from '@peculiar/x509';

x509.cryptoProvider.set(webcrypto as unknown as Parameters<typeof x509.cryptoProvider.set>[0]);

const EC = { name: 'ECDSA', namedCurve: 'P-256', hash: 'SHA-256' } as const;

export interface KeyedCert {
  readonly certPem: string;
  readonly keyPem: string;
  readonly keyDer: Buffer;
  readonly fingerprint: string;
}

export interface TestCa extends KeyedCert {
  issue(opts: { names?: string[]; cn?: string; client?: boolean }): Promise<KeyedCert>;
}

async function keyOut(keys: webcrypto.CryptoKeyPair, cert: x509.X509Certificate): Promise<KeyedCert> {
  const keyDer = Buffer.from(await webcrypto.subtle.exportKey('pkcs8', keys.privateKey));
  const certPem = cert.toString('pem') + '\n';
  return { certPem, keyDer, keyPem: x509.PemConverter.encode(keyDer, 'PRIVATE KEY') + '\n', fingerprint: new X509Certificate(certPem).fingerprint256.replace(/:/g, '').toLowerCase() };
}

export async function createTestCa(name = 'Test CA'): Promise<TestCa> {
  const keys = (await webcrypto.subtle.generateKey(EC, true, ['sign', 'verify'])) as webcrypto.CryptoKeyPair;
  const now = Date.now();
  const cert = await x509.X509CertificateGenerator.createSelfSigned({
    name: `CN=${name}`, keys: keys as never, signingAlgorithm: EC, notBefore: new Date(now - 86_400_000), notAfter: new Date(now + 86_400_000 * 30),
    extensions: [new x509.BasicConstraintsExtension(true, 0, true), new x509.KeyUsagesExtension(x509.KeyUsageFlags.keyCertSign | x509.KeyUsageFlags.cRLSign, true)],
  });
  const base = await keyOut(keys, cert);
  return {
    ...base,
    async issue({ names = ['127.0.0.1', 'localhost'], cn = 'server', client = false }) {
      const leaf = (await webcrypto.subtle.generateKey(EC, true, ['sign', 'verify'])) as webcrypto.CryptoKeyPair;
      const c = await x509.X509CertificateGenerator.create({
        subject: `CN=${cn}`, issuer: cert.subject, publicKey: leaf.publicKey as never, signingKey: keys.privateKey as never, signingAlgorithm: EC,
        notBefore: new Date(now - 86_400_000), notAfter: new Date(now + 86_400_000 * 30),
        extensions: [
          new x509.BasicConstraintsExtension(false),
          new x509.ExtendedKeyUsageExtension([client ? x509.ExtendedKeyUsage.clientAuth : x509.ExtendedKeyUsage.serverAuth]),
          ...(client ? [] : [new x509.SubjectAlternativeNameExtension(names.map((n) => ({ type: /^[\d.]+$/.test(n) ? 'ip' as const : 'dns' as const, value: n })))]),
        ],
      });
      return keyOut(leaf, c);
    },
  };
}

export interface Recorded {
  readonly method: string;
  readonly url: string;
  readonly headers: IncomingMessage['headers'];
  readonly body: Buffer;
  /** SHA-256 fingerprint of the client certificate presented, if any. */
  readonly clientCert: string | null;
}

export interface TestServer {
  readonly url: string;
  readonly port: number;
  readonly requests: Recorded[];
  /** TCP connections the server accepted. */
  connections: number;
  close(): Promise<void>;
}

export type Handler = (req: Recorded, res: ServerResponse) => unknown;

/** An HTTPS server with the given certificate that records every request; asks for client certs. */
export async function startServer(cert: KeyedCert, handler: Handler, opts: { ca?: string } = {}): Promise<TestServer> {
  const requests: Recorded[] = [];
  const state = { connections: 0 };
  const server: Server = createServer({ cert: cert.certPem, key: cert.keyPem, requestCert: true, rejectUnauthorized: false, ...(opts.ca ? { ca: opts.ca } : {}) }, (req, res) => {
    const chunks: Buffer[] = [];
    req.on('data', (c: Buffer) => chunks.push(c));
    req.on('end', () => {
      const peer = (req.socket as TLSSocket).getPeerCertificate();
      const rec: Recorded = { method: req.method ?? '', url: req.url ?? '', headers: req.headers, body: Buffer.concat(chunks),
        clientCert: peer && peer.raw ? new X509Certificate(peer.raw).fingerprint256.replace(/:/g, '').toLowerCase() : null };
      requests.push(rec);
      void Promise.resolve(handler(rec, res)).catch(() => res.destroy());
    });
  });
  server.on('connection', () => state.connections++);
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const port = (server.address() as AddressInfo).port;
  return {
    url: `https://127.0.0.1:${port}`, port, requests,
    get connections() { return state.connections; },
    set connections(v: number) { state.connections = v; },
    close: () => new Promise<void>((resolve) => {
      server.closeAllConnections();
      server.close(() => resolve());
    }),
  };
}

export function json(res: ServerResponse, status: number, body: unknown, headers: Record<string, string> = {}): void {
  const text = JSON.stringify(body);
  res.writeHead(status, { 'content-type': 'application/json', 'content-length': Buffer.byteLength(text), ...headers });
  res.end(text);
}

export function wireError(res: ServerResponse, status: number, code: string, params: Record<string, string | number> = {}): void {
  json(res, status, { error: { code, message: `${code} (test)`, params } });
}
