import { describe, expect, it } from 'vitest';
import { isHavreError } from '../../../src-main/engine/errors/index.js';
import { checkEndpoint, endpointText } from '../../../src-main/engine/store/s3/endpoint.js';
import { S3Store } from '../../../src-main/engine/store/s3/index.js';

function refused(endpoint: string): string | null {
  try {
    checkEndpoint(endpoint);
    return null;
  } catch (e) {
    return isHavreError(e, 'USAGE') ? e.message : 'other error';
  }
}

describe('S3 endpoints', () => {
  it('takes https anywhere', () => {
    expect(endpointText(checkEndpoint('https://s3.eu-west-3.amazonaws.com'))).toBe('https://s3.eu-west-3.amazonaws.com');
    expect(endpointText(checkEndpoint('https://minio.corp.example:9000/'))).toBe('https://minio.corp.example:9000');
    expect(endpointText(checkEndpoint('https://gw.example/s3/'))).toBe('https://gw.example/s3');
  });

  it('takes plain http on loopback only', () => {
    for (const ok of ['http://127.0.0.1:9000', 'http://[::1]:9000', 'http://localhost:9000', 'http://LOCALHOST']) expect(refused(ok), ok).toBeNull();
    for (const bad of ['http://s3.amazonaws.com', 'http://10.0.0.5:9000', 'http://127.0.0.1.nip.io', 'http://192.168.1.10']) {
      expect(refused(bad), bad).toMatch(/must use HTTPS/);
    }
  });

  it('refuses other schemes, credentials in the URL, queries and junk', () => {
    expect(refused('ftp://s3.example')).toMatch(/https/);
    expect(refused('https://AKIA:secret@s3.example')).toMatch(/host\[:port\] only/);
    expect(refused('https://s3.example/?x=1')).toMatch(/host\[:port\] only/);
    expect(refused('s3.example')).toMatch(/not a URL/);
  });

  it('is checked when a store is made, before any request', () => {
    const make = (over: Record<string, unknown>): unknown => {
      try {
        return new S3Store({ endpoint: 'https://s3.example', region: 'us-east-1', bucket: 'b-1', prefix: '', addressing: 'path', credentials: { accessKeyId: 'k', secretAccessKey: 's' }, lock: null, ...over });
      } catch (e) {
        return isHavreError(e, 'USAGE') ? 'USAGE' : e;
      }
    };
    expect(make({ endpoint: 'http://s3.example' })).toBe('USAGE');
    expect(make({ prefix: '../x' })).toBe('USAGE');
    expect(make({ bucket: 'a/b' })).toBe('USAGE');
    expect(make({ lock: { mode: 'GOVERNANCE', days: 0 } })).toBe('USAGE');
    const s = make({ prefix: 'havre/pc' }) as S3Store;
    expect(s.location).toBe('s3://b-1/havre/pc/ at https://s3.example');
    s.close();
  });
});
