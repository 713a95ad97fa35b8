/**
 * Subnet arithmetic for planning, on top of ipaddr.js (which parses, matches
 * and prints addresses; the offsets within a subnet are done here with
 * BigInt so IPv4 and IPv6 share one code path). Pure.
 *
 * @module
 */
import ipaddr from "ipaddr.js";
import { UsageError } from "../src/errors.ts";

/** A parsed subnet. */
export interface Subnet {
  family: 4 | 6;
  /** Network address, e.g. `10.200.0.0`. */
  network: string;
  /** Prefix length in bits. */
  prefix: number;
}

type Addr = ipaddr.IPv4 | ipaddr.IPv6;

function toBig(a: Addr): bigint {
  return a.toByteArray().reduce((v, b) => (v << 8n) | BigInt(b), 0n);
}

function fromBig(v: bigint, family: 4 | 6): Addr {
  const out = new Array<number>(family === 4 ? 4 : 16);
  for (let i = out.length - 1; i >= 0; i--, v >>= 8n) out[i] = Number(v & 255n);
  return ipaddr.fromByteArray(out);
}

/**
 * Parses a CIDR into its subnet (host bits cleared).
 * @param cidr e.g. `10.200.0.0/24` or `2001:db8:5::/64`.
 * @param option The option it came from, for the message.
 * @returns The subnet.
 * @throws {UsageError} When not a CIDR.
 */
export function parseSubnet(cidr: string, option = "--subnet"): Subnet {
  let parsed: [Addr, number];
  try {
    parsed = ipaddr.parseCIDR(cidr);
  } catch {
    throw new UsageError(`${option} '${cidr}' is not a CIDR like 10.200.0.0/24 or 2001:db8:5::/64`);
  }
  const [addr, prefix] = parsed;
  const family = addr.kind() === "ipv4" ? 4 : 6;
  const bits = BigInt(family === 4 ? 32 : 128);
  const mask = ((1n << BigInt(prefix)) - 1n) << (bits - BigInt(prefix));
  return { family, network: fromBig(toBig(addr) & mask, family).toString(), prefix };
}

/**
 * The address at an offset inside a subnet.
 * @param s The subnet.
 * @param offset 1 for the first host address.
 * @returns e.g. `10.200.0.1`.
 */
export function hostAt(s: Subnet, offset: number): string {
  return fromBig(toBig(ipaddr.parse(s.network)) + BigInt(offset), s.family).toString();
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
 * @param b Another, as CIDR.
 * @returns `true` when they share addresses.
 */
export function overlaps(a: Subnet, b: string): boolean {
  const other = parseSubnet(b);
  if (other.family !== a.family) return false;
  return inSubnet(a.network, `${other.network}/${other.prefix}`) || inSubnet(other.network, `${a.network}/${a.prefix}`);
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
 * Whether an address is the network or (IPv4) broadcast address of its subnet,
 * or outside it.
 * @param address The address.
 * @param s The subnet.
 * @returns `true` when it may be given to a host.
 */
export function isHostAddress(address: string, s: Subnet): boolean {
  if (!inSubnet(address, subnetCidr(s))) return false;
  const v = toBig(ipaddr.parse(address));
  const net = toBig(ipaddr.parse(s.network));
  const last = net + (1n << BigInt((s.family === 4 ? 32 : 128) - s.prefix)) - 1n;
  return v !== net && (s.family === 6 || v !== last);
}
