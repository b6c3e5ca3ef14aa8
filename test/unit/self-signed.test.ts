// The default HTTPS certificate, read back by node:crypto's own X.509 parser: a self-signed
// P-256 leaf for serverAuth whose names and dates a verifier accepts.

import { createPrivateKey, X509Certificate } from 'node:crypto';
import { isIP } from 'node:net';
import { expect, test } from 'vitest';
import { ipAddressBytes, selfSignedCertificate } from '../../src/server/self-signed.js';
import { tlsMaterial } from '../../src/server/tls.js';

test('a self-signed EC P-256 certificate naming localhost and the loopbacks, signed by its own key', () => {
  const now = new Date('2026-06-01T12:00:00Z');
  const { cert, key } = selfSignedCertificate([], now);
  const x509 = new X509Certificate(cert);
  expect(x509.subject).toBe('CN=vtask-emulator');
  expect(x509.issuer).toBe(x509.subject);
  expect(x509.verify(x509.publicKey)).toBe(true);
  expect(x509.checkPrivateKey(createPrivateKey(key))).toBe(true);
  expect(x509.publicKey.asymmetricKeyType).toBe('ec');
  expect(x509.publicKey.asymmetricKeyDetails).toMatchObject({ namedCurve: 'prime256v1' });
  expect(x509.ca).toBe(false);
  expect(x509.keyUsage).toEqual(['1.3.6.1.5.5.7.3.1']);
  expect(x509.checkHost('localhost')).toBe('localhost');
  expect(x509.checkIP('127.0.0.1')).toBe('127.0.0.1');
  expect(x509.checkIP('::1')).toBe('::1');
  expect(x509.checkHost('example.com')).toBeUndefined();
  expect(new Date(x509.validFrom).getTime()).toBeLessThan(now.getTime());
  expect(new Date(x509.validTo).getTime() - now.getTime()).toBeGreaterThan(360 * 86_400_000);
  // Serial numbers are random and positive.
  expect(x509.serialNumber).not.toBe(new X509Certificate(selfSignedCertificate([], now).cert).serialNumber);
});

test('extra hosts: names and IPv4/IPv6 addresses, including a compressed IPv6 form', () => {
  const x509 = new X509Certificate(selfSignedCertificate(['vc.test', '10.1.2.3', 'fe80::1:2']).cert);
  expect(x509.subjectAltName).toBe(
    'DNS:localhost, IP Address:127.0.0.1, IP Address:0:0:0:0:0:0:0:1, DNS:vc.test, IP Address:10.1.2.3, IP Address:FE80:0:0:0:0:0:1:2',
  );
  expect(x509.checkHost('vc.test')).toBe('vc.test');
  expect(x509.checkIP('10.1.2.3')).toBe('10.1.2.3');
});

test('dates after 2049 are written as GeneralizedTime', () => {
  const x509 = new X509Certificate(selfSignedCertificate([], new Date('2060-01-01T00:00:00Z')).cert);
  expect(new Date(x509.validTo).getUTCFullYear()).toBe(2060);
});

test('tlsMaterial: the listen host joins the names unless it is a wildcard', async () => {
  expect(new X509Certificate((await tlsMaterial(undefined, undefined, 'vc.test')).cert).checkHost('vc.test')).toBe('vc.test');
  expect(new X509Certificate((await tlsMaterial(undefined, undefined, '0.0.0.0')).cert).subjectAltName).not.toContain('0.0.0.0');
});

test('every certificate parses: the random serial is written as a minimal DER integer', () => {
  // About 1 in 140 serials starts 00 followed by a byte below 80; written as is, OpenSSL
  // refused the certificate ("illegal padding"), so 2,000 tries make a miss near impossible.
  for (let i = 0; i < 2000; i++) {
    const { cert } = selfSignedCertificate();
    const parsed = new X509Certificate(cert);
    const serial = parsed.serialNumber;
    expect(serial.length % 2, serial).toBe(0);
    expect(serial.startsWith('00') && Number.parseInt(serial.slice(2, 4), 16) < 0x80, serial).toBe(false);
  }
});

test('an address is told from a name as node:net isIP tells it, zones and embedded dotted quads included', () => {
  const hosts = [
    'localhost',
    'vc.test',
    '127.0.0.1',
    '0.0.0.0',
    '255.255.255.255',
    '256.1.1.1',
    '01.2.3.4',
    '1.2.3.04',
    '1.2.3',
    '::',
    '::1',
    '1::',
    'fe80::1:2',
    'fe80::1%eth0',
    '::ffff:127.0.0.1',
    '::1.2.3.4',
    '1:2:3:4:5:6:7:8',
    '1:2:3:4:5:6:1.2.3.4',
    '1:2:3:4:5:6:7',
    '1:2:3:4:5:6:7:8:9',
    '1::2::3',
    ':1',
    '1:',
    '12345::1',
    'g::1',
    'foo:bar',
    '[::1]',
    '1.2.3.4::',
    '::ffff:1.2.3.04',
  ];
  for (const host of hosts) {
    const bytes = ipAddressBytes(host);
    expect(bytes ? (bytes.length === 4 ? 4 : 6) : 0, host).toBe(isIP(host));
  }
  expect(ipAddressBytes('::ffff:127.0.0.1')?.toString('hex')).toBe('00000000000000000000ffff7f000001');
  expect(ipAddressBytes('fe80::1%eth0')?.toString('hex')).toBe('fe800000000000000000000000000001');
  const x509 = new X509Certificate(selfSignedCertificate(['01.2.3.4', '::ffff:10.0.0.1']).cert);
  expect(x509.subjectAltName).toContain('DNS:01.2.3.4');
  expect(x509.checkIP('::ffff:10.0.0.1')).toBe('::ffff:10.0.0.1');
});
