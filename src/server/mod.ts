/**
 * The HTTP front: request classification, the apt pipeline, shared
 * downloads, file responses and status pages.
 *
 * @module
 */
export * from "./request_target.ts";
export * from "./http_response.ts";
export * from "./apt_pipeline.ts";
export * from "./pdiff_follower.ts";
export * from "./http_front.ts";
export * from "./status/pages.ts";
export * from "./status/problems.ts";
export * from "./request_limits.ts";
