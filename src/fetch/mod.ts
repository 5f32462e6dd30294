/**
 * Getting bytes: the mirror client (timeouts, conditional and resumed
 * requests). The peer manager joins it later.
 *
 * @module
 */
export * from "./body_deadlines.ts";
export * from "./errors.ts";
export * from "./host_slots.ts";
export * from "./limited_body.ts";
export * from "./mirror_addresses.ts";
export * from "./mirror_client.ts";
export * from "./redirects.ts";
