// Events that happen without the repository open (a settings change): recorded in the audit log
// of the repository this home is configured for, without K_log (no MAC, no file list: the next
// MAC'd event vouches for them through the chain). Never fails the change it records.
import { readHomeConfig } from '../home/homeConfig.js';
import { AuditLog } from './AuditLog.js';
import { recordBestEffort } from './auditedJob.js';

export async function recordForHome(home: string, type: string, fields: Record<string, unknown>): Promise<void> {
  let repoId: string | undefined;
  try {
    repoId = (await readHomeConfig(home)).repo?.repoId;
  } catch {
    return; // no readable configuration: no repository to log for
  }
  if (!repoId) return;
  let log: AuditLog | null = null;
  try {
    log = AuditLog.open(home, repoId, null);
    recordBestEffort(log, type, fields);
  } catch {
    // best effort, as every audit record of a change
  } finally {
    log?.close();
  }
}
