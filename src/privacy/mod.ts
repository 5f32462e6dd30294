/**
 * What a daemon keeps to itself: the packages whose announcement would mark
 * its machine as a target (a newer version in the security archive, or a
 * fix on a configured vulnerability list) stay out of the DHT.
 *
 * @module
 */
export { Withholding } from "./withholding.ts";
