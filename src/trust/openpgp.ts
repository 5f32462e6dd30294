/**
 * openpgp, loaded when a key or a signature is first read: importing it
 * makes a process 24 MB larger, and a daemon that has not yet checked a
 * Release (or only serves peers and hits) need not pay that.
 *
 * @module
 */

import type * as OpenPgp from "openpgp";

let loading: Promise<typeof OpenPgp> | undefined;

/** The openpgp module, imported on the first call. */
export function openPgp(): Promise<typeof OpenPgp> {
  return loading ??= import("openpgp");
}
