/**
 * Address helpers shared by the HTTP front and (later) the DHT: CIDR blocks,
 * IP literals and host-name validation.
 *
 * @module
 */
export { type AddressScope, addressScope } from "./address_scope.ts";
export {
  addressInAny,
  type Cidr,
  parseCidr,
  parseIPv4,
  parseIPv6,
  unmappedAddress,
} from "./cidr.ts";
export { type Authority, parseAuthority } from "./hostname.ts";
export { hostMatches, isHostPattern } from "./host_pattern.ts";
export { independentParties } from "./independence.ts";
export { isLocalAddress } from "./local_address.ts";
export { bareHost, urlHost } from "./url_host.ts";
