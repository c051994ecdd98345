// POST /v1/enroll (PROTOCOL.md §4): a token, a certificate request and the escrowed keys become a
// machine. Token use and machine creation are one transaction: a token cannot enroll two machines,
// and a failed enrollment leaves the token unused.
import { randomBytes } from 'node:crypto';
import type { EnrollResponse } from '../../src-main/engine/appliance/protocol.js';
import { HEARTBEAT_SECONDS, parseEnrollRequest, parseToken } from '../../src-main/engine/appliance/protocol.js';
import { rsaPublicKeyBits } from '../../src-main/engine/crypto/index.js';
import type { CertificateAuthority } from '../ca/CertificateAuthority.js';
import type { Clock } from '../clock.js';
import type { ApplianceConfig } from '../config/config.js';
import type { Db } from '../db/database.js';
import { ApplianceError } from '../errors/index.js';
import type { Accounts } from './Accounts.js';
import type { ApplianceLog } from './ApplianceLog.js';
import type { Tokens } from './Tokens.js';

const BEEMO_BYTES = 32;

export class Enrollment {
  constructor(
    private readonly db: Db,
    private readonly clock: Clock,
    private readonly config: ApplianceConfig,
    private readonly ca: CertificateAuthority,
    private readonly tokens: Tokens,
    private readonly accounts: Accounts,
    private readonly log: ApplianceLog,
  ) {}

  async enroll(body: unknown): Promise<EnrollResponse> {
    const req = parseEnrollRequest(body);
    const token = parseToken(req.token);
    if (!token) throw new ApplianceError('BAD_REQUEST', { reason: 'enroll.token is not an enrollment token' });
    this.tokens.check(token); // before the costly work: most bad requests stop here

    // SECRET_ADMIN must be an OAEP block of this appliance's admin key (its size is all we can check).
    const adminKeys = this.accounts.adminKeys();
    const adminBytes = Math.ceil((rsaPublicKeyBits(Buffer.from(adminKeys.publicKey, 'base64')) ?? 0) / 8);
    if (Buffer.from(req.keys.secretAdmin, 'base64').length !== adminBytes) {
      throw new ApplianceError('BAD_REQUEST', { reason: 'enroll.keys.secretAdmin is not wrapped for this appliance’s admin key' });
    }

    const machineId = randomBytes(16).toString('hex');
    const cert = await this.ca.signMachineRequest(req.csr, machineId);
    const beemoAes = randomBytes(BEEMO_BYTES);
    const now = this.clock.now();
    // The certificate above names no machine until this commits: if it fails, it is worthless.
    this.db.transaction(() => {
      this.tokens.check(token); // again: another enrollment may have used it while we signed
      this.tokens.consume(token.id, machineId);
      this.db
        .prepare(
          `INSERT INTO machines (id, host, user, enrolled, token_id, cert_fingerprint, cert_expires, repo_id, escrow, beemo_aes, quota_bytes, max_silence_hours)
           VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)`,
        )
        .run(machineId, req.host, req.user, now, token.id, cert.fingerprint, cert.notAfter, req.keys.repoId, JSON.stringify(req.keys), beemoAes, this.config.defaultQuotaBytes, this.config.defaultMaxSilenceHours);
      this.accounts.createUser(machineId, Buffer.from(req.authKey, 'base64'), req.passwordUnset !== true);
      this.log.write('machine', 'machine.enroll', machineId, { host: req.host, user: req.user, tokenId: token.id });
    }).immediate();
    return { applianceId: this.config.applianceId, machineId, certificate: cert.pem, beemoAes: beemoAes.toString('base64'), heartbeatSeconds: HEARTBEAT_SECONDS };
  }
}
