// HTTPS material: a given certificate and key, or a self-signed pair made at start (as vcsim
// does), because pyVmomi 6.7.1 on Python 3 cannot talk plain HTTP to localhost.

import { readFileSync } from 'node:fs';
import selfsigned from 'selfsigned';

export interface TlsMaterial {
  readonly cert: string;
  readonly key: string;
}

export async function tlsMaterial(certFile: string | undefined, keyFile: string | undefined, host: string): Promise<TlsMaterial> {
  if (certFile && keyFile) return { cert: readFileSync(certFile, 'utf8'), key: readFileSync(keyFile, 'utf8') };
  const altNames = [
    { type: 2, value: 'localhost' },
    { type: 7, ip: '127.0.0.1' },
    { type: 7, ip: '::1' },
  ];
  if (host && host !== '0.0.0.0' && host !== '::' && host !== 'localhost' && host !== '127.0.0.1') {
    altNames.push(/^[\d.]+$|:/.test(host) ? { type: 7, ip: host } : { type: 2, value: host });
  }
  const pems = await selfsigned.generate([{ name: 'commonName', value: 'vtask-emulator' }], {
    keySize: 2048,
    days: 365,
    algorithm: 'sha256',
    extensions: [{ name: 'subjectAltName', altNames }],
  } as Parameters<typeof selfsigned.generate>[1]);
  return { cert: pems.cert, key: pems.private };
}
