/**
 * The HTTP front: request classification, the apt pipeline, shared
 * downloads, file responses and status pages.
 *
 * @module
 */
export { AptPipeline, type PipelineOptions, type PipelinePeers } from "./apt_pipeline.ts";
export { TunnelOpener } from "./connect_tunnel.ts";
export { createHandler, type FrontSettings, type HttpFront } from "./http_front.ts";
export { PdiffFollower } from "./pdiff_follower.ts";
export { RequestLimits } from "./request_limits.ts";
export { archiveTargetOf, HTTPS_SEGMENT } from "./request_target.ts";
export { diskFullProblem, Problems } from "./status/problems.ts";
export type { PrivacyFigures } from "./status/snapshot.ts";
