// The one JSON Schema of everything IT can set (issue 8). The same document validates the Linux and
// ProgramData files, the registry tree (after conversion) and macOS managed preferences, and is
// shipped for IT's own tools as native/policy/havre-policy.schema.json (a test keeps them equal).
import type { BackupWindow, BandwidthRule, CpuPriority, SettingKey } from '../../ipc/contract.js';
import { CPU_PRIORITIES, SETTING_KEYS } from '../../ipc/contract.js';

const HHMM = '^([01][0-9]|2[0-3]):[0-5][0-9]$';
const days = { type: 'array', maxItems: 7, uniqueItems: true, items: { type: 'integer', minimum: 0, maximum: 6 } } as const;
const rate = { type: ['integer', 'null'], minimum: 1, maximum: 10_000_000 } as const;
/** Folders: absolute, or `~/…` for the user's home (one policy serves every user of the machine). */
const folder = { type: 'string', minLength: 1, maxLength: 4096, pattern: '^(~/|~\\\\|/|[A-Za-z]:[\\\\/]|\\\\\\\\)' } as const;

/** The user's settings (ipc/contract.ts `Settings`), as IT may fix or suggest them. */
const settingsSchema = {
  type: 'object',
  additionalProperties: false,
  properties: {
    folders: { type: 'array', maxItems: 1000, items: folder },
    exclusions: { type: 'array', maxItems: 1000, items: { type: 'string', minLength: 1, maxLength: 4096 } },
    defaultExclusions: { type: 'boolean' },
    maxFileSizeMiB: { type: ['integer', 'null'], minimum: 1, maximum: 16 * 1024 * 1024 },
    continuous: { type: 'boolean' },
    scanIntervalMinutes: { type: 'integer', minimum: 5, maximum: 10080 },
    window: {
      oneOf: [{ type: 'null' }, {
        type: 'object', additionalProperties: false, required: ['days', 'start', 'end'],
        properties: { days, start: { type: 'string', pattern: HHMM }, end: { type: 'string', pattern: HHMM } },
      }],
    },
    pauseOnBattery: { type: 'boolean' },
    minBatteryPercent: { type: 'integer', minimum: 0, maximum: 100 },
    pauseOnMetered: { type: 'boolean' },
    uploadKiBps: rate,
    bandwidthRules: {
      type: 'array', maxItems: 32,
      items: {
        type: 'object', additionalProperties: false, required: ['days', 'start', 'end', 'uploadKiBps'],
        properties: { days, start: { type: 'string', pattern: HHMM }, end: { type: 'string', pattern: HHMM }, uploadKiBps: rate },
      },
    },
    cpuPriority: { enum: [...CPU_PRIORITIES] },
  },
} as const;

const keep = { type: 'integer', minimum: 0, maximum: 100_000 } as const;

export const POLICY_SCHEMA = {
  $schema: 'http://json-schema.org/draft-07/schema#',
  $id: 'https://havre.fr/schemas/policy-1.json',
  title: 'Havre machine policy',
  type: 'object',
  additionalProperties: false,
  required: ['version'],
  properties: {
    version: { const: 1 },
    appliance: {
      description: 'The company appliance; with enrollToken, the first start enrolls this machine silently.',
      type: 'object', additionalProperties: false, required: ['url'],
      properties: {
        url: { type: 'string', pattern: '^https://[^\\s/?#]+(/[^\\s?#]*)?$', maxLength: 2048 },
        enrollToken: { type: 'string', pattern: '^HVT1\\.[A-Za-z0-9_.-]+$', maxLength: 4096 },
        user: { type: 'string', minLength: 1, maxLength: 256 },
      },
    },
    settings: { ...settingsSchema, description: 'Fixed by IT: the user cannot change them, unless named in userMayChange.' },
    userMayChange: {
      description: 'Settings of `settings` that are only defaults: the user may change them.',
      type: 'array', uniqueItems: true, items: { enum: [...SETTING_KEYS] },
    },
    lockReason: { description: 'Shown beside locked settings (e.g. who to ask).', type: 'string', minLength: 1, maxLength: 300 },
    targets: {
      description: 'Cloud copies every machine keeps; each machine\'s access key is given on the machine (havre target credentials NAME).',
      type: 'array', maxItems: 8,
      items: {
        type: 'object', additionalProperties: false, required: ['kind', 'name', 'endpoint', 'bucket'],
        properties: {
          kind: { const: 's3' },
          name: { type: 'string', pattern: '^[a-z0-9][a-z0-9-]{0,31}$' },
          endpoint: { type: 'string', pattern: '^https?://', maxLength: 2048 },
          bucket: { type: 'string', minLength: 3, maxLength: 63 },
          region: { type: 'string', minLength: 1, maxLength: 64 },
          prefix: { description: '{host} and {user} are replaced by the machine\'s.', type: 'string', maxLength: 512 },
          addressing: { enum: ['path', 'virtual'] },
          lockMode: { enum: ['governance', 'compliance', 'none'] },
          lockDays: { type: 'integer', minimum: 1, maximum: 36500 },
        },
      },
    },
    retention: {
      type: 'object', additionalProperties: false,
      properties: { keepLast: keep, keepHourly: keep, keepDaily: keep, keepWeekly: keep, keepMonthly: keep, keepYearly: keep },
    },
    antivirus: {
      type: 'object', additionalProperties: false, required: ['enabled'],
      properties: {
        enabled: { type: 'boolean' },
        clamd: { description: 'unix:/path/to/clamd.sock or tcp://host:port (default: unix:/var/run/clamav/clamd.ctl, Debian and Ubuntu\'s clamav-daemon)', type: 'string', pattern: '^(unix:/|tcp://)', maxLength: 1024 },
        whenUnavailable: { description: 'clamd cannot give a verdict: block (no backup until it can) or continue (store the files unscanned, and say so). Default: continue.', enum: ['block', 'continue'] },
      },
    },
    notifications: {
      type: 'object', additionalProperties: false, required: ['level'],
      properties: { level: { description: 'all: successes too; failures: failures only; none: silent (the tray still shows the state).', enum: ['all', 'failures', 'none'] } },
    },
    updates: {
      type: 'object', additionalProperties: false,
      properties: {
        enabled: { type: 'boolean' },
        channel: { enum: ['stable', 'beta'] },
      },
    },
    app: {
      type: 'object', additionalProperties: false,
      properties: { allowQuit: { type: 'boolean' }, startAtLogin: { type: 'boolean' } },
    },
  },
} as const;

export type NotificationLevel = 'all' | 'failures' | 'none';
export type UpdateChannel = 'stable' | 'beta';

/** Settings as the policy writes them: folders may start with `~/`. */
export interface PolicySettings {
  folders?: string[];
  exclusions?: string[];
  defaultExclusions?: boolean;
  maxFileSizeMiB?: number | null;
  continuous?: boolean;
  scanIntervalMinutes?: number;
  window?: BackupWindow | null;
  pauseOnBattery?: boolean;
  minBatteryPercent?: number;
  pauseOnMetered?: boolean;
  uploadKiBps?: number | null;
  bandwidthRules?: BandwidthRule[];
  cpuPriority?: CpuPriority;
}

export interface PolicyTarget {
  kind: 's3';
  name: string;
  endpoint: string;
  bucket: string;
  region?: string;
  prefix?: string;
  addressing?: 'path' | 'virtual';
  lockMode?: 'governance' | 'compliance' | 'none';
  lockDays?: number;
}

/** A policy document that passed the schema (POLICY_SCHEMA mirrors this type). */
export interface Policy {
  version: 1;
  appliance?: { url: string; enrollToken?: string; user?: string };
  settings?: PolicySettings;
  userMayChange?: SettingKey[];
  lockReason?: string;
  targets?: PolicyTarget[];
  retention?: { keepLast?: number; keepHourly?: number; keepDaily?: number; keepWeekly?: number; keepMonthly?: number; keepYearly?: number };
  antivirus?: { enabled: boolean; clamd?: string; whenUnavailable?: 'block' | 'continue' };
  notifications?: { level: NotificationLevel };
  updates?: { enabled?: boolean; channel?: UpdateChannel };
  app?: { allowQuit?: boolean; startAtLogin?: boolean };
}

export const EMPTY_POLICY: Policy = { version: 1 };
