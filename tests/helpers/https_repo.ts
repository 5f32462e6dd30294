/**
 * A signed repository served over https on loopback, by a certificate of a
 * throw-away CA: what the https tests start from. Everything goes with it.
 */

import { buildDebianRepo, type DebianRepo } from "./debian_repo.ts";
import { MirrorServer } from "./mirror_server.ts";
import { makeTestCa, type TestCa } from "./tls.ts";

export interface HttpsRepo extends AsyncDisposable {
  readonly repo: DebianRepo;
  readonly ca: TestCa;
  readonly mirror: MirrorServer;
}

/** Builds the repository of `packages` and serves it over https only. */
export async function startHttpsRepo(
  packages: Parameters<typeof buildDebianRepo>[0],
): Promise<HttpsRepo> {
  const repo = await buildDebianRepo(packages);
  const ca = await makeTestCa();
  const mirror = await MirrorServer.start(repo.root, "127.0.0.1", 0, ca);
  return {
    repo,
    ca,
    mirror,
    async [Symbol.asyncDispose]() {
      await mirror.stop();
      await ca.cleanup();
      await repo.cleanup();
    },
  };
}
