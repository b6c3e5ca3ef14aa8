// A self-signed certificate for the default HTTPS, written with node:crypto alone: an EC P-256
// key takes well under a millisecond to make where RSA-2048 took tens to hundreds, and the
// X.509 library it replaces took longer to load than the whole certificate now takes.
//
// The certificate is a v3 leaf for serverAuth naming localhost, 127.0.0.1, ::1 and any other
// listen host, valid from a day ago for a year, with the key identifiers strict verifiers want.

import { createHash, generateKeyPairSync, randomBytes, sign } from 'node:crypto';

const tlv = (tag: number, content: Buffer): Buffer => {
  const n = content.length;
  const length = n < 0x80 ? Buffer.from([n]) : n < 0x100 ? Buffer.from([0x81, n]) : Buffer.from([0x82, n >> 8, n & 0xff]);
  return Buffer.concat([Buffer.from([tag]), length, content]);
};
const sequence = (...parts: Buffer[]) => tlv(0x30, Buffer.concat(parts));
const set = (...parts: Buffer[]) => tlv(0x31, Buffer.concat(parts));
const explicit = (n: number, content: Buffer) => tlv(0xa0 + n, content);
const octets = (content: Buffer) => tlv(0x04, content);
const bits = (content: Buffer, unused = 0) => tlv(0x03, Buffer.concat([Buffer.from([unused]), content]));
const utf8 = (text: string) => tlv(0x0c, Buffer.from(text, 'utf8'));
const boolean = (value: boolean) => tlv(0x01, Buffer.from([value ? 0xff : 0]));

function integer(value: Buffer): Buffer {
  // DER integers are signed and minimal: leading zero bytes go (OpenSSL refuses a certificate
  // whose serial starts 00 7F as "illegal padding"), and a leading 1 bit needs one zero in front.
  let start = 0;
  while (start < value.length - 1 && value[start] === 0 && !(value[start + 1] & 0x80)) start++;
  const minimal = value.subarray(start);
  return tlv(0x02, minimal[0] & 0x80 ? Buffer.concat([Buffer.from([0]), minimal]) : minimal);
}

function oid(dotted: string): Buffer {
  const [first, second, ...rest] = dotted.split('.').map(Number);
  const out = [first * 40 + second];
  for (const arc of rest) {
    const chunk = [arc & 0x7f];
    for (let v = arc >> 7; v > 0; v >>= 7) chunk.unshift((v & 0x7f) | 0x80);
    out.push(...chunk);
  }
  return tlv(0x06, Buffer.from(out));
}

/** UTCTime (years 1950-2049) as X.509 requires for those years, GeneralizedTime after. */
function time(date: Date): Buffer {
  const iso = date.toISOString().replace(/[-:T]/g, '').slice(0, 14);
  const year = date.getUTCFullYear();
  return year < 2050 ? tlv(0x17, Buffer.from(`${iso.slice(2)}Z`)) : tlv(0x18, Buffer.from(`${iso}Z`));
}

const IPV4 = /^(25[0-5]|2[0-4]\d|1\d\d|[1-9]?\d)(\.(25[0-5]|2[0-4]\d|1\d\d|[1-9]?\d)){3}$/;
const IPV6_GROUP = /^[0-9a-f]{1,4}$/i;

/**
 * The address a host names, as the bytes an iPAddress name holds (4 or 16), or undefined for a
 * host name. Not node's isIP: compiling its IPv6 pattern took 10 ms of every start
 * (docs/performance.md, "Start-up"). It accepts what isIP accepts: dotted quads without leading
 * zeros, and IPv6 with one "::" at most, a dotted quad at its end and a zone (%eth0), dropped.
 */
export function ipAddressBytes(host: string): Buffer | undefined {
  if (IPV4.test(host)) return Buffer.from(host.split('.').map(Number));
  if (!host.includes(':')) return undefined;
  const address = host.replace(/%[^%]+$/, '');
  const halves = address.split('::');
  if (halves.length > 2) return undefined;
  const groupsOf = (text: string): number[] | undefined => {
    if (text === '') return [];
    const parts = text.split(':');
    const last = parts[parts.length - 1];
    // A dotted quad at the end fills the last two groups (::ffff:127.0.0.1).
    const tail = IPV4.test(last) ? last.split('.').map(Number) : undefined;
    if (tail) parts.pop();
    if (!parts.every((part) => IPV6_GROUP.test(part))) return undefined;
    const groups = parts.map((part) => Number.parseInt(part, 16));
    return tail ? [...groups, (tail[0] << 8) | tail[1], (tail[2] << 8) | tail[3]] : groups;
  };
  const left = groupsOf(halves[0]);
  const right = halves.length === 2 ? groupsOf(halves[1]) : [];
  if (!left || !right) return undefined;
  // A dotted quad only ends an address: none on the left of "::".
  if (halves.length === 2 && halves[0].includes('.')) return undefined;
  const missing = 8 - left.length - right.length;
  if (halves.length === 2 ? missing < 1 : missing !== 0) return undefined;
  const groups = [...left, ...new Array<number>(missing).fill(0), ...right];
  return Buffer.from(groups.flatMap((group) => [group >> 8, group & 0xff]));
}

const extension = (id: string, critical: boolean, value: Buffer) => sequence(oid(id), ...(critical ? [boolean(true)] : []), octets(value));

export interface SelfSigned {
  readonly cert: string;
  readonly key: string;
}

/** A fresh key and certificate naming `hosts` (names and IP addresses) besides localhost and the loopbacks. */
export function selfSignedCertificate(hosts: readonly string[] = [], now = new Date()): SelfSigned {
  const { publicKey, privateKey } = generateKeyPairSync('ec', { namedCurve: 'prime256v1' });
  const spki = publicKey.export({ type: 'spki', format: 'der' });
  // The key identifier: SHA-1 of the subjectPublicKey bits (the last 65 bytes of a P-256 SPKI).
  const keyId = createHash('sha1')
    .update(spki.subarray(spki.length - 65))
    .digest();
  const names = [...new Set(['localhost', '127.0.0.1', '::1', ...hosts])].map((host) => {
    const address = ipAddressBytes(host);
    return address ? tlv(0x87, address) : tlv(0x82, Buffer.from(host, 'ascii'));
  });
  const serial = randomBytes(16);
  serial[0] &= 0x7f;
  const algorithm = sequence(oid('1.2.840.10045.4.3.2')); // ecdsa-with-SHA256
  const name = sequence(set(sequence(oid('2.5.4.3'), utf8('vtask-emulator'))));
  const day = 86_400_000;
  const tbs = sequence(
    explicit(0, integer(Buffer.from([2]))),
    integer(serial),
    algorithm,
    name,
    sequence(time(new Date(now.getTime() - day)), time(new Date(now.getTime() + 365 * day))),
    name,
    spki,
    explicit(
      3,
      sequence(
        extension('2.5.29.19', true, sequence()), // basicConstraints: not a CA
        extension('2.5.29.15', true, bits(Buffer.from([0x80]), 7)), // keyUsage: digitalSignature
        extension('2.5.29.37', false, sequence(oid('1.3.6.1.5.5.7.3.1'))), // extKeyUsage: serverAuth
        extension('2.5.29.17', false, sequence(...names)), // subjectAltName
        extension('2.5.29.14', false, octets(keyId)), // subjectKeyIdentifier
        extension('2.5.29.35', false, sequence(tlv(0x80, keyId))), // authorityKeyIdentifier (itself)
      ),
    ),
  );
  const der = sequence(tbs, algorithm, bits(sign('sha256', tbs, privateKey)));
  const base64 = der.toString('base64').replace(/.{64}/g, '$&\n').replace(/\n$/, '');
  return {
    cert: `-----BEGIN CERTIFICATE-----\n${base64}\n-----END CERTIFICATE-----\n`,
    key: privateKey.export({ type: 'pkcs8', format: 'pem' }).toString(),
  };
}
