// HTTPS material: a given certificate and key, or a self-signed pair made at start (as vcsim
// does), because pyVmomi 6.7.1 on Python 3 cannot talk plain HTTP to localhost.

import { readFileSync } from 'node:fs';
import { selfSignedCertificate } from './self-signed.js';

export interface TlsMaterial {
  readonly cert: string;
  readonly key: string;
}

export async function tlsMaterial(certFile: string | undefined, keyFile: string | undefined, host: string): Promise<TlsMaterial> {
  if (certFile && keyFile) return { cert: readFileSync(certFile, 'utf8'), key: readFileSync(keyFile, 'utf8') };
  // Wildcard listen addresses are not names a client connects to; the loopbacks are always in.
  const extra = host && host !== '0.0.0.0' && host !== '::' ? [host] : [];
  return selfSignedCertificate(extra);
}
