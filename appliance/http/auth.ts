// Who is calling (PROTOCOL.md §1): a machine, by the SHA-256 fingerprint of the client certificate
// the TLS layer verified against the appliance CA, never by a name in the request; or a session,
// by its bearer token. Each endpoint states which callers it accepts.
import type { IncomingMessage } from 'node:http';
import type { TLSSocket } from 'node:tls';
import { certFingerprint } from '../../src-main/engine/appliance/protocol.js';
import type { MachineRecord } from '../domain/Machines.js';
import type { Session } from '../domain/Sessions.js';
import { ApplianceError } from '../errors/index.js';
import type { HttpServices } from './services.js';

export type Caller = { readonly kind: 'machine'; readonly machine: MachineRecord } | { readonly kind: 'session'; readonly session: Session };

function peerCertificateDer(req: IncomingMessage): Buffer | null {
  const sock = req.socket as TLSSocket;
  if (typeof sock.getPeerCertificate !== 'function') return null;
  const cert = sock.getPeerCertificate();
  return cert && cert.raw && cert.raw.length > 0 ? cert.raw : null;
}

function bearer(req: IncomingMessage): string | null {
  const h = req.headers.authorization;
  if (h === undefined) return null;
  const m = /^Bearer ([^\s]+)$/.exec(h);
  if (!m) throw new ApplianceError('SESSION_INVALID');
  return m[1]!;
}

export class Auth {
  constructor(private readonly s: HttpServices) {}

  /** *machine* endpoints: an enrolled, non-revoked machine's certificate. */
  machine(req: IncomingMessage): MachineRecord {
    const der = peerCertificateDer(req);
    if (!der) throw new ApplianceError('AUTH_REQUIRED', { reason: 'a client certificate' });
    if (!(req.socket as TLSSocket).authorized) throw new ApplianceError('CERT_UNTRUSTED');
    const m = this.s.machines.byFingerprint(certFingerprint(der));
    if (!m) throw new ApplianceError('CERT_UNKNOWN');
    if (m.revokedAt !== null) throw new ApplianceError('MACHINE_REVOKED');
    return m;
  }

  /** *session* endpoints. */
  session(req: IncomingMessage): Session {
    const token = bearer(req);
    if (token === null) throw new ApplianceError('AUTH_REQUIRED', { reason: 'a session (Authorization: Bearer)' });
    const s = this.s.sessions.resolve(token);
    if (!s) throw new ApplianceError('SESSION_INVALID');
    return s;
  }

  admin(req: IncomingMessage): Session {
    const s = this.session(req);
    if (s.role !== 'admin') throw new ApplianceError('FORBIDDEN', { reason: 'this needs an administrator session' });
    return s;
  }

  /** Reading a machine's objects: the machine itself, its user's session, or an admin session. */
  reader(req: IncomingMessage, machineId: string): Caller {
    if (req.headers.authorization !== undefined) {
      const session = this.session(req);
      if (session.role === 'user' && session.machineId !== machineId) throw new ApplianceError('FORBIDDEN', { reason: 'another machine’s objects' });
      return { kind: 'session', session };
    }
    const machine = this.machine(req);
    if (machine.id !== machineId) throw new ApplianceError('FORBIDDEN', { reason: 'another machine’s objects' });
    return { kind: 'machine', machine };
  }

  /** Writing (PUT, DELETE): the machine itself only; a session never writes. */
  writer(req: IncomingMessage, machineId: string): MachineRecord {
    if (!peerCertificateDer(req) && req.headers.authorization !== undefined) {
      throw new ApplianceError('FORBIDDEN', { reason: 'only the machine itself stores or deletes its objects' });
    }
    const machine = this.machine(req);
    if (machine.id !== machineId) throw new ApplianceError('FORBIDDEN', { reason: 'another machine’s objects' });
    return machine;
  }
}
