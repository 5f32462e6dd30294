/**
 * A cache store on a temp directory and an in-memory database, with a
 * helper to commit content as the pipeline would (verified, then renamed).
 */

import { CacheStore } from "../../src/cache/mod.ts";
import { openDatabase } from "../../src/db/mod.ts";
import { newHasher } from "../../src/hash/mod.ts";
import { Logger } from "../../src/log/mod.ts";

export interface TestStore extends AsyncDisposable {
  readonly store: CacheStore;
  readonly dir: string;
  /** Commits `text` under `key`; returns its SHA-256. */
  put(key: string, text: string, announce?: boolean): Promise<string>;
  /** Sets the clock the store records uses and checks against. */
  setNow(ms: number): void;
}

export async function testStore(): Promise<TestStore> {
  const dir = await Deno.makeTempDir({ prefix: "apt-dht-cache-" });
  const db = openDatabase(":memory:");
  let now = Date.now();
  const store = new CacheStore(dir, db, new Logger("error"), () => now);
  await store.init();
  return {
    store,
    dir,
    async put(key, text, announce = true) {
      const partial = await store.createPartial();
      const bytes = new TextEncoder().encode(text);
      await partial.file.write(bytes);
      const sha256 = newHasher("sha256").update(bytes).hexdigest();
      await store.commit(partial, key, { sha256, announce });
      partial.file.close(); // as the pipeline does: the commit syncs the open file first
      return sha256;
    },
    setNow(ms) {
      now = ms;
    },
    async [Symbol.asyncDispose]() {
      db.close();
      await Deno.remove(dir, { recursive: true });
    },
  };
}
