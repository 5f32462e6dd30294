/**
 * Whether an address belongs to this machine: a DHT lookup can hand us back
 * our own announce, and fetching from ourselves would only loop.
 *
 * @module
 */

/**
 * True for an address of this machine (loopback or one of its interfaces).
 *
 * @example
 * ```ts
 * isLocalAddress("127.0.0.1"); // true
 * ```
 */
export function isLocalAddress(
  address: string,
  interfaces: () => readonly { address: string }[] = Deno.networkInterfaces,
): boolean {
  if (address === "::1" || address.startsWith("127.")) return true;
  try {
    return interfaces().some((i) => i.address === address);
  } catch {
    return false; // no permission to list interfaces: only loopback counts
  }
}
