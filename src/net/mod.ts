/**
 * Address helpers shared by the HTTP front and (later) the DHT: CIDR blocks,
 * IP literals and host-name validation.
 *
 * @module
 */
export * from "./cidr.ts";
export * from "./hostname.ts";
export * from "./url_host.ts";
export * from "./local_address.ts";
export * from "./address_scope.ts";
export * from "./independence.ts";
