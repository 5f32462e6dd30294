/**
 * Waiting for the first success among many tries, while the rest go on.
 *
 * @module
 */

/** Resolves, once one of `tries` fulfilled, with how many had by then; with 0 once all failed. */
export function fulfilledOnceOne(tries: readonly Promise<unknown>[]): Promise<number> {
  return new Promise((resolve) => {
    let fulfilled = 0;
    let settled = 0;
    if (tries.length === 0) resolve(0);
    for (const attempt of tries) {
      attempt.then(() => {
        fulfilled++;
        resolve(fulfilled);
      }, () => {}).finally(() => {
        if (++settled === tries.length) resolve(fulfilled);
      });
    }
  });
}
