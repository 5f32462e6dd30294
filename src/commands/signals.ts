/**
 * How the long-running commands (`run`, `dht`) end: on SIGTERM or SIGINT.
 *
 * @module
 */

/** Resolves once SIGTERM or SIGINT has run `stop`. */
export async function untilSignalled(stop: () => Promise<void>): Promise<void> {
  const { promise, resolve } = Promise.withResolvers<void>();
  let stopping = false;
  const handler = () => {
    if (stopping) return; // a second signal while stopping changes nothing
    stopping = true;
    stop().then(resolve, resolve);
  };
  Deno.addSignalListener("SIGTERM", handler);
  Deno.addSignalListener("SIGINT", handler);
  await promise;
}
