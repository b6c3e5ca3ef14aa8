// Which vim25 API version an answer is written for. A client names its version in SOAPAction
// (pyVmomi: "urn:vim25/6.7.1", quoted; govmomi 0.24: urn:vim25/7.0; rbvmomi 1.8: the lower of
// the server's apiVersion and 5.5), and vCenter leaves out of the answer every type and field
// newer than that version. The versions and their order come from the WSDL (vte:apiVersions,
// written by scripts/gen-wsdl.py from pyVmomi's version table).

const PREFIX = 'urn:vim25/';

export class ApiVersions {
  private readonly ranks = new Map<string, number>();
  /** The newest version the WSDL knows: answers for it are written whole. */
  readonly newest: string | undefined;

  /** `versions`: oldest first, as wsdl/vim-schema.json lists them. */
  constructor(versions: readonly string[]) {
    for (const [index, version] of versions.entries()) this.ranks.set(version, index + 1);
    this.newest = versions.at(-1);
  }

  has(version: string): boolean {
    return this.ranks.has(version);
  }

  /**
   * The known version a SOAPAction value names, or undefined: none, not urn:vim25/…, or a
   * version this WSDL does not know (the caller then answers with the newest). A short form is
   * taken as its zero-padded one when only that is known: govmomi 0.24 sends "7.0", which
   * pyVmomi's table (and vCenter's) spells 7.0.0.0.
   */
  fromSoapAction(header: string | undefined): string | undefined {
    if (!header) return undefined;
    let value = header;
    if (value.length >= 2 && value.charCodeAt(0) === 0x22 && value.charCodeAt(value.length - 1) === 0x22) value = value.slice(1, -1);
    if (!value.startsWith(PREFIX)) return undefined;
    let version = value.slice(PREFIX.length);
    if (this.ranks.has(version)) return version;
    if (!/^\d+(\.\d+){0,3}$/.test(version)) return undefined;
    while (version.split('.').length < 4) {
      version += '.0';
      if (this.ranks.has(version)) return version;
    }
    return undefined;
  }

  /**
   * Whether a client of `client` knows what `since` introduced. undefined `since`: as old as
   * vim25 itself. A `since` this table lacks is taken as newer than every client.
   */
  knows(client: string, since: string | undefined): boolean {
    if (since === undefined) return true;
    const wanted = this.ranks.get(since);
    const have = this.ranks.get(client);
    return wanted !== undefined && have !== undefined && wanted <= have;
  }
}
