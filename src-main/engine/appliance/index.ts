// The appliance client (PROTOCOL.md): transport, pinning, enrollment, unlock, and how a repository
// on an appliance is opened. The shared message definitions are in protocol.ts.
export { ApplianceClient, normaliseApplianceUrl, type ApplianceClientOptions } from './ApplianceClient.js';
export { fetchPinnedCa, normaliseFingerprint, pemFingerprint, pinnedCaFromPem } from './pinning.js';
export { createTlsIdentity, type TlsIdentity } from './tlsIdentity.js';
export { enrollMachine, type EnrollOptions, type EnrollResult } from './enroll.js';
export { machineSecretSource, UserSecretSource, AdminSecretSource, chooseMachine, type ApplianceSecretSource, type MachineRef } from './unlock.js';
export { openMachineTarget, openSessionTarget, resolvePinnedCa, type MachineTarget, type SessionTarget, type SessionOptions, type ClientTuning } from './openApplianceRepo.js';
export { caFile, certFile, spoolDir, posteAccount, tlsAccount, readMachineInfo, restorePasswordReminderFile, type MachineInfo } from './localFiles.js';
export { heartbeatIfDue, machineStatus, type MachineStatus } from './heartbeat.js';
export { withMachineRepository, type MachineRunHooks } from './withMachineRepository.js';
export { eventsFile, migrateOutbox, pushEvents } from './eventOutbox.js';
export { defaultSessionUser, sessionMachines, withPasswordSession, type PasswordSessionOptions } from './passwordSession.js';
export { restorePasswordStatus, setRestorePassword, type RestorePasswordOptions, type RestorePasswordStatus } from './restorePassword.js';
