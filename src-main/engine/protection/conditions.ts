import { execFile } from 'node:child_process';
import { readdir, readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { UNKNOWN_CONDITIONS, type Conditions } from './gates.js';

/**
 * Battery and metered network as this machine reports them, without native code: Linux's
 * /sys/class/power_supply and NetworkManager (over D-Bus with `gdbus`, when both exist), macOS's
 * `pmset`. Anything the OS does not say stays null (unknown), which never pauses protection. The
 * desktop app may pass what Electron knows instead (powerMonitor). Windows: see docs/DECISIONS.md.
 */
export async function readConditions(opts: { platform?: NodeJS.Platform; powerSupply?: string } = {}): Promise<Conditions> {
  const platform = opts.platform ?? process.platform;
  if (platform === 'linux') {
    const [power, metered] = await Promise.all([linuxPower(opts.powerSupply ?? '/sys/class/power_supply'), linuxMetered()]);
    return { ...power, metered };
  }
  if (platform === 'darwin') return { ...(await macPower()), metered: null };
  return UNKNOWN_CONDITIONS;
}

/** Reads /sys/class/power_supply: mains online → not on battery; batteries' capacity → percent. */
export async function linuxPower(dir: string): Promise<Pick<Conditions, 'onBattery' | 'batteryPercent'>> {
  let names: string[];
  try {
    names = await readdir(dir);
  } catch {
    return { onBattery: null, batteryPercent: null };
  }
  let mains: boolean | null = null;
  const batteries: { percent: number | null; discharging: boolean }[] = [];
  for (const n of names) {
    const read = (f: string): Promise<string | null> => readFile(join(dir, n, f), 'utf8').then((t) => t.trim(), () => null);
    const type = await read('type');
    if (type === 'Mains' || type === 'USB') {
      const online = await read('online');
      if (online !== null) mains = (mains ?? false) || online === '1';
    } else if (type === 'Battery' && (await read('scope')) !== 'Device') {
      const cap = Number(await read('capacity'));
      batteries.push({ percent: Number.isFinite(cap) ? cap : null, discharging: (await read('status')) === 'Discharging' });
    }
  }
  if (batteries.length === 0) return { onBattery: mains === null ? null : false, batteryPercent: null };
  const percents = batteries.map((b) => b.percent).filter((p): p is number => p !== null);
  const onBattery = mains !== null ? !mains : batteries.some((b) => b.discharging);
  return { onBattery, batteryPercent: percents.length ? Math.round(percents.reduce((a, b) => a + b, 0) / percents.length) : null };
}

function run(cmd: string, args: string[]): Promise<string | null> {
  return new Promise((resolve) => {
    execFile(cmd, args, { timeout: 2000 }, (err, stdout) => resolve(err ? null : stdout));
  });
}

/** NetworkManager's global Metered property: 1 yes, 3 guessed yes; anything else (or no NM) not metered/unknown. */
async function linuxMetered(): Promise<boolean | null> {
  const out = await run('gdbus', ['call', '--system', '--dest', 'org.freedesktop.NetworkManager', '--object-path', '/org/freedesktop/NetworkManager',
    '--method', 'org.freedesktop.DBus.Properties.Get', 'org.freedesktop.NetworkManager', 'Metered']);
  const m = out && /uint32 (\d+)/.exec(out);
  return m ? m[1] === '1' || m[1] === '3' : null;
}

/** `pmset -g batt`: "Now drawing from 'Battery Power'" and "…; 57%; discharging". */
async function macPower(): Promise<Pick<Conditions, 'onBattery' | 'batteryPercent'>> {
  const out = await run('pmset', ['-g', 'batt']);
  if (!out) return { onBattery: null, batteryPercent: null };
  const pct = /(\d+)%/.exec(out);
  return { onBattery: /'Battery Power'/.test(out), batteryPercent: pct ? Number(pct[1]) : null };
}
