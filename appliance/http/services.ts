// What the HTTP layer needs from the appliance: its domain services, nothing about files or set-up.
import type { ApplianceConfig } from '../config/config.js';
import type { Accounts } from '../domain/Accounts.js';
import type { Enrollment } from '../domain/Enrollment.js';
import type { EventLog } from '../domain/EventLog.js';
import type { Heartbeats } from '../domain/Heartbeats.js';
import type { Machines } from '../domain/Machines.js';
import type { Objects } from '../domain/Objects.js';
import type { Sessions } from '../domain/Sessions.js';
import type { Clock } from '../clock.js';

export interface HttpServices {
  readonly config: ApplianceConfig;
  readonly clock: Clock;
  readonly caPem: string;
  readonly caFingerprint: string;
  readonly machines: Machines;
  readonly sessions: Sessions;
  readonly accounts: Accounts;
  readonly enrollment: Enrollment;
  readonly objects: Objects;
  readonly events: EventLog;
  readonly heartbeats: Heartbeats;
  /** DATA/updates: the release files the appliance hands out (PROTOCOL.md §9). */
  readonly updatesDir: string;
}
