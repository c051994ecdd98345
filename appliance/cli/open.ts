import { Appliance } from '../Appliance.js';
import { dataDir } from './args.js';

/** Opens the appliance of --data / HAVRE_APPLIANCE_DATA, runs `fn`, closes it whatever happens. */
export async function withAppliance<T>(data: string | undefined, fn: (app: Appliance) => T | Promise<T>): Promise<T> {
  const app = await Appliance.open(dataDir(data));
  try {
    return await fn(app);
  } finally {
    await app.close();
  }
}
