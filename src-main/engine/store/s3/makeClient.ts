// The SDK client as radosgw, MinIO and AWS all accept it: SigV4, path or virtual addressing, TLS
// 1.2+ on a bounded keep-alive pool, no SDK retries (S3Store retries, with its own policy).
import { Agent as HttpAgent } from 'node:http';
import type { Socket } from 'node:net';
import { Agent as HttpsAgent } from 'node:https';
import { S3Client } from '@aws-sdk/client-s3';
import { NodeHttpHandler } from '@smithy/node-http-handler';
import type { S3Credentials, S3Location, S3Timeouts } from './S3Settings.js';

export interface ClientSettings {
  readonly endpoint: URL;
  readonly location: S3Location;
  readonly credentials: S3Credentials;
  readonly timeouts?: S3Timeouts;
  readonly maxSockets: number;
  readonly clockOffsetMs?: number;
}

export function makeClient(s: ClientSettings): S3Client {
  // The SDK warns on every client about Node 20's end of life; havre ships with its own Node and
  // says so itself, so the warning would only reach users of the CLI as noise.
  process.env.AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED ??= 'true';
  const agentOptions = { keepAlive: true, maxSockets: s.maxSockets };
  const handler = new NodeHttpHandler({
    // TLS settings live on the agent, where no per-request option can loosen them.
    httpsAgent: guardSockets(new HttpsAgent({ ...agentOptions, minVersion: 'TLSv1.2', rejectUnauthorized: true, ...(s.location.caPem !== undefined ? { ca: s.location.caPem } : {}) })),
    httpAgent: guardSockets(new HttpAgent(agentOptions)),
    connectionTimeout: s.timeouts?.connectMs ?? 10_000,
    // An idle timeout, not a total one: a throttled 16 MiB upload may rightly take minutes.
    socketTimeout: s.timeouts?.idleMs ?? 60_000,
  });
  const c = s.credentials;
  return new S3Client({
    endpoint: s.endpoint.href.replace(/\/$/, ''),
    region: s.location.region,
    forcePathStyle: s.location.addressing === 'path',
    credentials: { accessKeyId: c.accessKeyId, secretAccessKey: c.secretAccessKey, ...(c.sessionToken !== undefined ? { sessionToken: c.sessionToken } : {}) },
    requestHandler: handler,
    maxAttempts: 1,
    // Checksums only where the API demands them (we set SHA-256 on PUT ourselves): otherwise the SDK
    // sends bodies aws-chunked with a trailer, which several S3-compatibles refuse (radosgw: 411).
    requestChecksumCalculation: 'WHEN_REQUIRED',
    responseChecksumValidation: 'WHEN_REQUIRED',
    ...(s.clockOffsetMs !== undefined ? { systemClockOffset: s.clockOffsetMs } : {}),
  });
}

/**
 * A connection reset while a request body is still being written can surface as an 'error' on
 * the socket itself at a moment no request listens (between the request's end and the socket's
 * return to the pool): without a listener Node kills the process. Seen when the network to the
 * bucket was cut mid-backup (test/integration/targets/networkCut.test.ts). The request in flight
 * still gets its own error (and is retried or reported); this listener only keeps the process up.
 */
function guardSockets<A extends HttpAgent>(agent: A): A {
  const create = agent.createConnection.bind(agent) as (...args: unknown[]) => Socket;
  (agent as unknown as { createConnection: (...args: unknown[]) => Socket }).createConnection = (...args: unknown[]) => {
    const socket = create(...args);
    socket.on('error', () => undefined);
    return socket;
  };
  return agent;
}
