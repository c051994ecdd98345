// Free TCP ports on 127.0.0.1 for the servers the harness starts (appliance, S3).
import { createServer, type AddressInfo, type Server } from 'node:net';

function listenOn(port: number): Promise<Server | null> {
  return new Promise((resolve) => {
    const s = createServer();
    s.once('error', () => resolve(null));
    s.listen(port, '127.0.0.1', () => resolve(s));
  });
}

function close(s: Server): Promise<void> {
  return new Promise((resolve) => s.close(() => resolve()));
}

/** A port nothing listens on right now (the kernel's choice). */
export async function freePort(): Promise<number> {
  const s = await listenOn(0);
  if (!s) throw new Error('cannot bind 127.0.0.1');
  const port = (s.address() as AddressInfo).port;
  await close(s);
  return port;
}

/** A free port whose successor is free too (the Ceph monitor listens on both). */
export async function freePortPair(): Promise<number> {
  for (let i = 0; i < 50; i++) {
    const a = await listenOn(0);
    if (!a) break;
    const port = (a.address() as AddressInfo).port;
    const b = await listenOn(port + 1);
    await close(a);
    if (b) {
      await close(b);
      return port;
    }
  }
  throw new Error('no two consecutive free ports on 127.0.0.1');
}
