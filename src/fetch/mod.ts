/**
 * Getting bytes: the mirror client (timeouts, conditional and resumed
 * requests). The peer manager joins it later.
 *
 * @module
 */
export { UpstreamError } from "./errors.ts";
export { readBounded } from "./limited_body.ts";
export { MirrorAddresses } from "./mirror_addresses.ts";
export { MirrorClient, type UpstreamResponse } from "./mirror_client.ts";
export { MAX_REDIRECTS } from "./redirects.ts";
export { loadTrustedRoots, TrustedRootsError } from "./trusted_roots.ts";
