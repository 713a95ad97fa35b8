/**
 * `recipes/subnet.ts` as it was on ipaddr.js (main d79534f), unchanged but for
 * this paragraph and its import paths: the reference that
 * `subnet_differential_test.ts` compares the module on ip-bigint with. Test
 * code only: no command loads it.
 *
 * Addresses and subnets for planning, on top of ipaddr.js (which parses,
 * matches, and finds network and last addresses). Pure.
 *
 * Input is read strictly, so that every tool reads it the same way: IPv4 only
 * in four-part decimal without leading zeros (`010.0.0.1` is 8.0.0.1 to
 * inet_aton(3) and ipaddr.js, 10.0.0.1 to others; `10.1` and `0x0a000001` are
 * other spellings of addresses), IPv6 without a zone (`%eth0`), prefix
 * lengths in plain decimal.
 *
 * Which addresses of a subnet a host may hold:
 * - IPv4 up to /30: all but the network and the broadcast address;
 * - IPv4 /31: both (RFC 3021, point-to-point: no network or broadcast address);
 * - IPv6 up to /126: all but the Subnet-Router anycast address, the one whose
 *   host bits are all zero (RFC 4291 §2.6.1);
 * - IPv6 /127: both (RFC 6164, point-to-point inter-router links);
 * - /32 and /128: the one address; a link with such an address has no
 *   connected subnet, so its peer is reached by a host route or `onlink`
 *   (ip-route(8)).
 *
 * @module
 */
import ipaddr from "ipaddr.js";
import { UsageError } from "../../src/errors.ts";
import { quote } from "../../src/quote.ts";

/** A parsed subnet. */
export interface Subnet {
  /** IP version: 4 or 6. */
  family: 4 | 6;
  /** Network address, e.g. `10.200.0.0`. */
  network: string;
  /** Prefix length in bits. */
  prefix: number;
}

/** An address with its prefix length, as given in a CIDR like `10.200.0.2/24`. */
export interface Cidr {
  /** The address, in canonical form (e.g. `2001:db8::2`). */
  local: string;
  /** Prefix length in bits. */
  prefix: number;
  /** The subnet it lies in. */
  subnet: Subnet;
}

/** An address as ipaddr.js parses it (IPv4 or IPv6). */
export type Addr = ipaddr.IPv4 | ipaddr.IPv6;

/**
 * Ranges no namespace subnet or address may touch: the kernel or the network
 * gives them another meaning, so a plan using them could only fail at run
 * time or misroute.
 */
export const RESERVED_RANGES: readonly { cidr: string; what: string }[] = [
  { cidr: "0.0.0.0/8", what: "'this network' (RFC 1122), not assignable" },
  { cidr: "127.0.0.0/8", what: "IPv4 loopback (RFC 1122)" },
  { cidr: "169.254.0.0/16", what: "IPv4 link-local (RFC 3927), assigned by the link itself" },
  { cidr: "224.0.0.0/4", what: "IPv4 multicast (RFC 5771)" },
  { cidr: "240.0.0.0/4", what: "reserved IPv4 space and the limited broadcast (RFC 1112, RFC 919)" },
  { cidr: "::/128", what: "the IPv6 unspecified address (RFC 4291)" },
  { cidr: "::1/128", what: "IPv6 loopback (RFC 4291)" },
  { cidr: "::ffff:0:0/96", what: "IPv4-mapped IPv6 addresses (RFC 4291), never on a link" },
  { cidr: "fe80::/10", what: "IPv6 link-local (RFC 4291), assigned by the link itself" },
  { cidr: "ff00::/8", what: "IPv6 multicast (RFC 4291)" },
];

const BITS = { 4: 32, 6: 128 } as const;

function leadingZero(option: string, text: string): UsageError {
  return new UsageError(
    `${option} ${quote(text)} has a leading zero: some tools read it as octal (010.0.0.1 = 8.0.0.1), others as decimal`,
    "Write each part of an IPv4 address in plain decimal, e.g. 10.0.0.1.",
  );
}

/** The address in strict form (see the module doc), `"leading-zero"`, or `undefined` when not an address. */
function strictAddress(text: string): Addr | "leading-zero" | undefined {
  if (/^\d+(\.\d+){3}$/.test(text) && /(^|\.)0\d/.test(text)) return "leading-zero";
  if (ipaddr.IPv4.isValidFourPartDecimal(text)) return ipaddr.IPv4.parse(text);
  if (text.includes(":") && !text.includes("%") && ipaddr.IPv6.isValid(text)) return ipaddr.IPv6.parse(text);
  return undefined;
}

/**
 * Parses one address strictly (see the module doc).
 * @param text e.g. `10.200.0.2` or `2001:db8::2`.
 * @param option The option it came from, for the message (e.g. `--gateway`).
 * @returns The parsed address.
 * @throws {UsageError} When not an address, or IPv4 not in four-part decimal
 *   without leading zeros, or IPv6 with a zone.
 */
export function parseAddress(text: string, option: string): Addr {
  const a = strictAddress(text);
  if (a === "leading-zero") throw leadingZero(option, text);
  if (a) return a;
  throw new UsageError(
    `${option} ${quote(text)} is not an address like 10.200.0.2 or 2001:db8:5::2`,
    "Write IPv4 in four-part decimal, IPv6 without a zone.",
  );
}

/**
 * Parses a CIDR strictly (see the module doc) into the address, its prefix
 * length and its subnet.
 * @param text e.g. `10.200.0.2/24` or `2001:db8:5::2/64`.
 * @param option The option it came from, for the message.
 * @param example What the message offers as a CIDR the option takes; default a subnet of each family.
 * @returns The parsed CIDR.
 * @throws {UsageError} When not a CIDR (IPv4 not in four-part decimal, IPv6
 *   with a zone, a prefix length out of range or not in plain decimal), or
 *   an IPv4 part with a leading zero.
 */
export function parseCidr(text: string, option: string, example = "10.200.0.0/24 or 2001:db8:5::/64"): Cidr {
  const m = /^([^/]+)\/(0|[1-9]\d{0,2})$/.exec(text);
  const bad = () => new UsageError(`${option} ${quote(text)} is not a CIDR like ${example}`);
  const addr = strictAddress(text.split("/")[0]);
  if (addr === "leading-zero") throw leadingZero(option, text.split("/")[0]);
  if (!m || !addr) throw bad();
  const family = addr.kind() === "ipv4" ? 4 : 6;
  const prefix = Number(m[2]);
  if (prefix > BITS[family]) throw bad();
  const network = family === 4
    ? ipaddr.IPv4.networkAddressFromCIDR(`${addr}/${prefix}`)
    : ipaddr.IPv6.networkAddressFromCIDR(`${addr}/${prefix}`);
  return { local: addr.toString(), prefix, subnet: { family, network: network.toString(), prefix } };
}

/**
 * Parses a CIDR into its subnet (host bits cleared).
 * @param cidr e.g. `10.200.0.0/24` or `2001:db8:5::/64`.
 * @param option The option it came from, for the message.
 * @returns The subnet.
 * @throws {UsageError} When not a CIDR (see {@link parseCidr}).
 */
export function parseSubnet(cidr: string, option = "--subnet"): Subnet {
  return parseCidr(cidr, option).subnet;
}

/**
 * The reserved range (see {@link RESERVED_RANGES}) a subnet overlaps, if any.
 * @param s The subnet.
 * @returns The range, e.g. `{ cidr: "224.0.0.0/4", what: "IPv4 multicast (RFC 5771)" }`, or `undefined`.
 */
export function reservedRange(s: Subnet): { cidr: string; what: string } | undefined {
  return RESERVED_RANGES.find((r) => overlaps(s, r.cidr));
}

/**
 * Refuses a subnet a namespace cannot use (see {@link RESERVED_RANGES}).
 * @param s The subnet.
 * @param option The option it came from, e.g. `--subnet`.
 * @param given The text given, for the message.
 * @throws {UsageError} When it overlaps a reserved range.
 */
export function assertUsableSubnet(s: Subnet, option: string, given: string): void {
  const r = reservedRange(s);
  if (r) {
    throw new UsageError(
      `${option} ${quote(given)} ${
        s.prefix >= Number(r.cidr.split("/")[1]) ? "lies in" : "covers"
      } ${r.cidr}, ${r.what}`,
      "Choose a unicast subnet, e.g. from 10.0.0.0/8, 172.16.0.0/12, 192.168.0.0/16 or fd00::/8.",
    );
  }
}

/** An address as one number: its bytes, most significant first (ipaddr.js has no address arithmetic). */
function toBig(a: Addr): bigint {
  return a.toByteArray().reduce((v, b) => (v << 8n) | BigInt(b), 0n);
}

function fromBig(v: bigint, family: 4 | 6): Addr {
  const out = new Array<number>(family === 4 ? 4 : 16);
  for (let i = out.length - 1; i >= 0; i--, v >>= 8n) out[i] = Number(v & 255n);
  return ipaddr.fromByteArray(out);
}

/**
 * The address at an offset from a subnet's network address. The one place
 * nsrecipe does address arithmetic.
 * @param s The subnet.
 * @param offset 0 for the network address, 1 for the next; a bigint for IPv6
 *   offsets beyond 2^53.
 * @returns e.g. `10.200.0.1`.
 */
export function hostAt(s: Subnet, offset: number | bigint): string {
  return fromBig(toBig(ipaddr.parse(s.network)) + BigInt(offset), s.family).toString();
}

/**
 * An address's offset from its subnet's network address (the inverse of {@link hostAt}).
 * @param address An address inside `s`, e.g. `10.200.0.7`.
 * @param s The subnet.
 * @returns e.g. `7n`.
 */
export function offsetIn(address: string, s: Subnet): bigint {
  return toBig(ipaddr.parse(address)) - toBig(ipaddr.parse(s.network));
}

/**
 * How many addresses a subnet holds.
 * @param s The subnet.
 * @returns 2^(address bits − prefix length), e.g. `256n` for a /24.
 */
export function subnetSize(s: Subnet): bigint {
  return 1n << BigInt(BITS[s.family] - s.prefix);
}

/**
 * Whether an address lies in a CIDR (same family required).
 * @param address e.g. `10.200.0.2`.
 * @param cidr e.g. `10.200.0.0/24`.
 * @returns `true` when inside.
 */
export function inSubnet(address: string, cidr: string): boolean {
  const a = ipaddr.parse(address);
  const [net, prefix] = ipaddr.parseCIDR(cidr);
  return a.kind() === net.kind() && a.match(net, prefix);
}

/**
 * Whether two subnets overlap (one contains the other's network).
 * @param a A subnet.
 * @param b Another, as CIDR (host bits may be set).
 * @returns `true` when they share addresses.
 */
export function overlaps(a: Subnet, b: string): boolean {
  const [addr, prefix] = ipaddr.parseCIDR(b);
  if ((addr.kind() === "ipv4" ? 4 : 6) !== a.family) return false;
  const other = addr.kind() === "ipv4"
    ? ipaddr.IPv4.networkAddressFromCIDR(b).toString()
    : ipaddr.IPv6.networkAddressFromCIDR(b).toString();
  return inSubnet(a.network, `${other}/${prefix}`) || inSubnet(other, `${a.network}/${a.prefix}`);
}

/**
 * Formats a subnet.
 * @param s The subnet.
 * @returns e.g. `10.200.0.0/24`.
 */
export function subnetCidr(s: Subnet): string {
  return `${s.network}/${s.prefix}`;
}

/**
 * Whether a subnet is a single address (/32, /128): its holder has no
 * connected subnet, so its peer is reached by a host route or `onlink`.
 * @param s The subnet.
 * @returns `true` for /32 and /128.
 */
export function isSingleAddress(s: Subnet): boolean {
  return s.prefix === BITS[s.family];
}

/**
 * The offsets (from the network address) of the first and last address a host
 * may hold in a subnet, following the rules in the module doc.
 * @param s The subnet.
 * @returns `{ first, last }`, offsets as bigint (IPv6 subnets are larger than 2^53).
 */
export function hostRange(s: Subnet): { first: bigint; last: bigint } {
  const size = subnetSize(s);
  // /31, /32, /127, /128: every address is a host address.
  if (size <= 2n) return { first: 0n, last: size - 1n };
  return { first: 1n, last: s.family === 4 ? size - 2n : size - 1n };
}

/**
 * Whether an address may be given to a host in a subnet (see the module doc):
 * not the IPv4 network or broadcast address (except in /31 and /32), not the
 * IPv6 Subnet-Router anycast address (except in /127 and /128), and inside it.
 * @param address The address.
 * @param s The subnet.
 * @returns `true` when it may be given to a host.
 */
export function isHostAddress(address: string, s: Subnet): boolean {
  if (!inSubnet(address, subnetCidr(s))) return false;
  const offset = offsetIn(address, s);
  const { first, last } = hostRange(s);
  return offset >= first && offset <= last;
}

/**
 * The host addresses of a subnet in order (see {@link hostRange}), lazily.
 * @param s The subnet.
 * @returns e.g. `10.77.0.0`, `10.77.0.1` for `10.77.0.0/31`.
 */
export function* hostAddresses(s: Subnet): Generator<string> {
  const { first, last } = hostRange(s);
  for (let o = first; o <= last; o++) yield hostAt(s, o);
}

/**
 * Why an address is special, when it is the IPv4 network/broadcast address or
 * the IPv6 Subnet-Router anycast address of its subnet.
 * @param address The address (inside `s`).
 * @param s The subnet.
 * @returns e.g. `"the network address"`, or `undefined` for a host address.
 */
export function specialAddress(address: string, s: Subnet): string | undefined {
  if (isHostAddress(address, s)) return undefined;
  const offset = offsetIn(address, s);
  if (offset === 0n) return s.family === 4 ? "the network address" : "the Subnet-Router anycast address (RFC 4291)";
  return "the broadcast address";
}

/**
 * Refuses an address a host may not hold in a subnet (see {@link isHostAddress}):
 * the IPv4 network or broadcast address, the IPv6 Subnet-Router anycast
 * address; /31, /32, /127 and /128 have none. The one check of "a usable host
 * address" for every recipe.
 * @param address The address, inside `s`, e.g. `198.51.100.255`.
 * @param s The subnet, e.g. `198.51.100.0/24`.
 * @param option The option it came from, e.g. `--address`.
 * @param hint What to do instead (default: choose another address of `s`).
 * @throws {UsageError} e.g. "--address 198.51.100.255 is the broadcast address of 198.51.100.0/24".
 */
export function assertHostAddress(address: string, s: Subnet, option: string, hint?: string): void {
  const special = specialAddress(address, s);
  if (special) {
    throw new UsageError(
      `${option} ${address} is ${special} of ${subnetCidr(s)}`,
      hint ?? `Choose another address in ${subnetCidr(s)}.`,
    );
  }
}
