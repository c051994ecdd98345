// Proxies that stand between a client under test and a real server, to make the network fail on
// cue: HttpFaultProxy answers, cuts, stalls or delays chosen HTTP requests (S3 against radosgw);
// TcpProxy does what can be done to a TLS connection it cannot read (the appliance).
//
// HttpFaultProxy forwards everything else unchanged: request line, headers in their original case
// and order (Host included: a SigV4 client signs for the proxy's host:port and the upstream checks
// the signature against the Host it receives), bodies streamed both ways (never buffered whole).
// It answers "Expect: 100-continue" itself at once (node:http's default), then forwards the header.
import { Agent, createServer, request as httpRequest, type ClientRequest, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import { connect, createServer as createTcpServer, type Server as TcpServer, type Socket } from 'node:net';
import type { AddressInfo } from 'node:net';
import { randomBytes } from 'node:crypto';

export interface RecordedRequest {
  method: string;
  /** Path and query, as sent. */
  path: string;
  /** Lower-case names; repeated headers joined with ", ". */
  headers: Record<string, string>;
  /** Request body bytes the proxy received (grows while the body streams). */
  bodyBytes: number;
  /** Status of a response delivered completely; null while pending, and when cut, hung or the network went down. */
  status: number | null;
}

export type FaultAction =
  /** Answers itself with an S3 XML error body; drains the request body; upstream is not contacted. */
  | { kind: 'respond'; status: number; code: string; message?: string; headers?: Record<string, string> }
  /** Forwards, but resets the client connection once afterBytes of the request body have passed
   *  (at the end of the request if the body is shorter); the upstream request is aborted. */
  | { kind: 'cut-request'; afterBytes: number }
  /** Forwards; passes the response head and afterBytes of its body, then resets the client connection. */
  | { kind: 'cut-response'; afterBytes: number }
  /** Never answers (until down() or close()); the request body is drained. */
  | { kind: 'hang' }
  /** Forwards after a delay. */
  | { kind: 'delay'; ms: number };

export interface HttpFault {
  /** Case-insensitive; any method when absent. */
  method?: string;
  /** Tested against path + query. */
  path?: RegExp;
  /** Applies to the first N matching requests, then retires; default: every match. */
  times?: number;
  action: FaultAction;
}

interface ActiveFault {
  readonly fault: HttpFault;
  remaining: number;
}

function xmlEscape(s: string): string {
  return s.replace(/[<>&'"]/g, (c) => ({ '<': '&lt;', '>': '&gt;', '&': '&amp;', "'": '&apos;', '"': '&quot;' })[c] ?? c);
}

/** Destroys a socket with a TCP RST (the peer sees ECONNRESET), or plainly if it is already gone. */
function reset(socket: Socket): void {
  if (socket.destroyed) return;
  try {
    socket.resetAndDestroy();
  } catch {
    socket.destroy();
  }
}

function listen(server: Server | TcpServer): Promise<number> {
  return new Promise((resolve, reject) => {
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => {
      server.off('error', reject);
      resolve((server.address() as AddressInfo).port);
    });
  });
}

export class HttpFaultProxy {
  readonly url: string;
  readonly requests: RecordedRequest[] = [];
  /** Called as soon as a response is delivered whole (its status set): lets a test act at that very moment, not at its next poll. */
  onDelivered: ((rec: RecordedRequest) => void) | null = null;
  private readonly faults: ActiveFault[] = [];
  private readonly sockets = new Set<Socket>();
  private readonly upstreamRequests = new Set<ClientRequest>();
  // Idle upstream connections are dropped after 30 s, well before radosgw drops them (65 s): a
  // request never goes out on a connection the upstream is closing (a spurious reset).
  private readonly agent = new Agent({ keepAlive: true, maxSockets: 64, timeout: 30_000 });
  private isDown = false;

  private constructor(
    private readonly server: Server,
    port: number,
    private readonly upstream: URL,
  ) {
    this.url = `http://127.0.0.1:${port}`;
  }

  static async start(upstream: string): Promise<HttpFaultProxy> {
    const u = new URL(upstream);
    if (u.protocol !== 'http:') throw new Error(`HttpFaultProxy forwards to http:// only, not ${upstream}`);
    const server = createServer({ keepAlive: true });
    // Clients keep idle connections; node:http would close them after 5 s, racing a client that
    // reuses one at that moment (a spurious reset in a test that counts attempts).
    server.keepAliveTimeout = 120_000;
    const port = await listen(server);
    const proxy = new HttpFaultProxy(server, port, u);
    server.on('connection', (s: Socket) => proxy.onConnection(s));
    server.on('request', (req: IncomingMessage, res: ServerResponse) => proxy.onRequest(req, res));
    server.on('clientError', (_err, s) => reset(s as Socket));
    return proxy;
  }

  /** Adds a fault (after those already set: the first matching fault wins); returns its removal. */
  fault(f: HttpFault): () => void {
    const active: ActiveFault = { fault: f, remaining: f.times ?? Infinity };
    this.faults.push(active);
    return () => {
      const i = this.faults.indexOf(active);
      if (i >= 0) this.faults.splice(i, 1);
    };
  }

  clearFaults(): void {
    this.faults.length = 0;
  }

  /** "The network is gone": every open connection is reset, and new ones are reset at once. */
  down(): void {
    this.isDown = true;
    for (const s of this.sockets) reset(s);
    for (const r of this.upstreamRequests) r.destroy();
  }

  up(): void {
    this.isDown = false;
  }

  async close(): Promise<void> {
    this.down();
    await new Promise<void>((resolve) => this.server.close(() => resolve()));
    this.agent.destroy();
  }

  private delivered(rec: RecordedRequest, status: number | null): void {
    rec.status = status;
    this.onDelivered?.(rec);
  }

  private onConnection(s: Socket): void {
    if (this.isDown) {
      reset(s);
      return;
    }
    this.sockets.add(s);
    s.on('close', () => this.sockets.delete(s));
  }

  private take(method: string, path: string): FaultAction | null {
    for (const [i, a] of this.faults.entries()) {
      const f = a.fault;
      if (f.method && f.method.toUpperCase() !== method.toUpperCase()) continue;
      if (f.path) {
        f.path.lastIndex = 0;
        if (!f.path.test(path)) continue;
      }
      if (--a.remaining <= 0) this.faults.splice(i, 1);
      return f.action;
    }
    return null;
  }

  private onRequest(req: IncomingMessage, res: ServerResponse): void {
    const headers: Record<string, string> = {};
    for (const [k, v] of Object.entries(req.headers)) if (v !== undefined) headers[k] = Array.isArray(v) ? v.join(', ') : v;
    const rec: RecordedRequest = { method: req.method ?? '', path: req.url ?? '', headers, bodyBytes: 0, status: null };
    this.requests.push(rec);
    // (the body is counted by whoever consumes it: a 'data' listener here would let it flow away
    // during a delay)
    const drain = (): void => {
      req.on('data', (c: Buffer) => (rec.bodyBytes += c.length));
    };
    const action = this.take(rec.method, rec.path);
    switch (action?.kind) {
      case 'respond': {
        drain();
        req.on('end', () => {
          const requestId = randomBytes(8).toString('hex').toUpperCase();
          const body = '<?xml version="1.0" encoding="UTF-8"?>' +
            `<Error><Code>${xmlEscape(action.code)}</Code><Message>${xmlEscape(action.message ?? action.code)}</Message><RequestId>${requestId}</RequestId></Error>`;
          res.writeHead(action.status, {
            'content-type': 'application/xml',
            'content-length': Buffer.byteLength(body),
            'x-amz-request-id': requestId,
            ...action.headers,
          });
          res.end(body, () => this.delivered(rec, action.status));
        });
        return;
      }
      case 'hang':
        drain();
        return;
      case 'delay': {
        const t = setTimeout(() => this.forward(req, res, rec, null), action.ms);
        res.once('close', () => clearTimeout(t));
        return;
      }
      default:
        this.forward(req, res, rec, action?.kind === 'cut-request' || action?.kind === 'cut-response' ? action : null);
    }
  }

  private forward(req: IncomingMessage, res: ServerResponse, rec: RecordedRequest,
    cut: { kind: 'cut-request' | 'cut-response'; afterBytes: number } | null): void {
    const client = req.socket;
    if (client.destroyed) return;
    const up = httpRequest({
      host: this.upstream.hostname, port: this.upstream.port || 80, method: req.method, path: req.url,
      headers: req.rawHeaders, agent: this.agent, setHost: false,
    });
    this.upstreamRequests.add(up);
    let done = false;
    const abort = (): void => {
      if (done) return;
      done = true;
      up.destroy();
      reset(client);
    };
    up.on('close', () => this.upstreamRequests.delete(up));
    up.on('error', abort);
    res.on('close', () => {
      if (!res.writableFinished) abort(); // the client connection went away
    });

    // request body: upstream gets it as it comes (with backpressure), unless cut
    let passed = 0;
    const limit = cut?.kind === 'cut-request' ? cut.afterBytes : Infinity;
    const cutNow = (): void => {
      if (done) return;
      // let what was let through reach upstream first, then fail both ends
      done = true;
      reset(client);
      setImmediate(() => up.destroy());
    };
    if (limit === 0) {
      cutNow();
      return;
    }
    req.on('data', (chunk: Buffer) => {
      rec.bodyBytes += chunk.length;
      if (done) return;
      if (passed + chunk.length >= limit) {
        const part = chunk.subarray(0, limit - passed);
        passed = limit;
        if (part.length) up.write(part);
        cutNow();
        return;
      }
      passed += chunk.length;
      if (!up.write(chunk)) {
        req.pause();
        up.once('drain', () => req.resume());
      }
    });
    req.on('end', () => {
      if (done) return;
      if (limit !== Infinity) cutNow();
      else up.end();
    });

    up.on('response', (upRes: IncomingMessage) => {
      if (done) {
        upRes.resume();
        return;
      }
      res.sendDate = false;
      res.writeHead(upRes.statusCode ?? 502, upRes.statusMessage, upRes.rawHeaders);
      const max = cut?.kind === 'cut-response' ? cut.afterBytes : Infinity;
      let sent = 0;
      const cutResponse = (last: Buffer): void => {
        done = true;
        upRes.destroy();
        up.destroy();
        // the bytes let through leave first, then the reset
        if (last.length) res.write(last, () => reset(client));
        else {
          res.flushHeaders();
          client.write(Buffer.alloc(0), () => reset(client));
        }
      };
      if (max === 0) {
        cutResponse(Buffer.alloc(0));
        return;
      }
      upRes.on('data', (chunk: Buffer) => {
        if (done) return;
        if (sent + chunk.length >= max) {
          const last = chunk.subarray(0, max - sent);
          sent = max;
          cutResponse(last);
          return;
        }
        sent += chunk.length;
        if (!res.write(chunk)) {
          upRes.pause();
          res.once('drain', () => upRes.resume());
        }
      });
      upRes.on('end', () => {
        if (done) return;
        if (max !== Infinity) {
          cutResponse(Buffer.alloc(0));
          return;
        }
        done = true;
        req.resume(); // an upstream may answer before the body is all in (node:http would then stall)
        res.end(() => this.delivered(rec, upRes.statusCode ?? null));
      });
      upRes.on('error', abort);
    });
  }
}

interface Pipe {
  readonly client: Socket;
  readonly server: Socket;
}

/** A plain TCP proxy (for TLS services, where HTTP-level faults are impossible). */
export class TcpProxy {
  readonly port: number;
  private readonly pipes = new Set<Pipe>();
  private isDown = false;
  private cuts: number[] = [];

  private constructor(
    private readonly server: TcpServer,
    port: number,
  ) {
    this.port = port;
  }

  static async start(upstreamHost: string, upstreamPort: number): Promise<TcpProxy> {
    const server = createTcpServer();
    const port = await listen(server);
    const proxy = new TcpProxy(server, port);
    server.on('connection', (c: Socket) => proxy.onConnection(c, upstreamHost, upstreamPort));
    return proxy;
  }

  down(): void {
    this.isDown = true;
    for (const p of this.pipes) {
      reset(p.client);
      p.server.destroy();
    }
  }

  up(): void {
    this.isDown = false;
  }

  /** Resets the next `times` connections (default 1) once `bytes` client→server bytes have passed. */
  cutAfter(bytes: number, times = 1): void {
    for (let i = 0; i < times; i++) this.cuts.push(bytes);
  }

  /** Forgets the cuts not yet used. */
  clearCuts(): void {
    this.cuts = [];
  }

  async close(): Promise<void> {
    this.down();
    await new Promise<void>((resolve) => this.server.close(() => resolve()));
  }

  private onConnection(client: Socket, host: string, port: number): void {
    if (this.isDown) {
      reset(client);
      return;
    }
    const server = connect(port, host);
    const pipe: Pipe = { client, server };
    this.pipes.add(pipe);
    const end = (): void => {
      this.pipes.delete(pipe);
      reset(client);
      server.destroy();
    };
    client.on('error', end);
    server.on('error', end);
    client.on('close', () => {
      this.pipes.delete(pipe);
      server.destroy();
    });
    server.on('close', () => client.destroy());
    server.pipe(client);
    const limit = this.cuts.shift();
    if (limit === undefined) {
      client.pipe(server);
      return;
    }
    if (limit === 0) {
      end();
      return;
    }
    let passed = 0;
    client.on('data', (chunk: Buffer) => {
      if (passed >= limit) return;
      if (passed + chunk.length >= limit) {
        const part = chunk.subarray(0, limit - passed);
        passed = limit;
        client.pause();
        server.write(part, () => end());
        return;
      }
      passed += chunk.length;
      if (!server.write(chunk)) {
        client.pause();
        server.once('drain', () => client.resume());
      }
    });
    client.on('end', () => server.end());
  }
}
