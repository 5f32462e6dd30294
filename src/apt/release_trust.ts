/**
 * Which Release files are trusted: an InRelease whose clearsigned signature
 * verifies, or a Release whose Release.gpg does, against the keys apt
 * trusts. Hashes a trusted Release lists (and the indexes those list) may be
 * used to take files from peers; an untrusted Release still proxies, and the
 * reason is kept for the status page.
 *
 * @module
 */

import type { DatabaseSync, StatementSync } from "node:sqlite";
import { type SignatureVerdict, type TrustedKeys, verifyClearsigned } from "../trust/mod.ts";
import { idToHex } from "../dht/mod.ts";
import { newHasher, signatureDhtKey, SignatureHasher } from "../hash/mod.ts";
import { stripClearsign } from "./release.ts";

/** What is known of one Release file's signature. */
export interface ReleaseTrustRecord {
  /** Cache key of the InRelease or Release file. */
  readonly release: string;
  readonly trusted: boolean;
  /** Hex key id of the signer, when trusted. */
  readonly signer?: string;
  /** Why it is not trusted. */
  readonly reason?: string;
  readonly checkedAt: number;
}

/**
 * Release signatures, checked as the files pass through, kept in the
 * database. A Release that verified against its Release.gpg is also kept by
 * that signature's DHT key, so peers who know only the signature can ask
 * for it (`/~/signed/<key>`).
 */
export class ReleaseTrust {
  #records = new Map<string, ReleaseTrustRecord>();
  readonly #save: StatementSync;
  readonly #saveSigned: StatementSync;
  readonly #signedSha256: StatementSync;

  constructor(
    private readonly db: DatabaseSync,
    private readonly keys: TrustedKeys | undefined,
    private readonly now = Date.now,
    /** Told of each Release that verified against a detached signature (hex DHT key). */
    private readonly onSigned?: (key: string) => void,
  ) {
    this.#saveSigned = db.prepare(
      `INSERT OR REPLACE INTO signed_releases (dht_key, release, sha256, checked_at)
      VALUES (?, ?, ?, ?)`,
    );
    this.#signedSha256 = db.prepare("SELECT sha256 FROM signed_releases WHERE dht_key = ?");
    this.#save = db.prepare(
      `INSERT INTO release_trust (release, trusted, signer, reason, checked_at) VALUES (?, ?, ?, ?, ?)
      ON CONFLICT(release) DO UPDATE SET trusted = excluded.trusted, signer = excluded.signer,
      reason = excluded.reason, checked_at = excluded.checked_at`,
    );
    const rows = db.prepare("SELECT * FROM release_trust").all() as {
      release: string;
      trusted: number;
      signer: string | null;
      reason: string | null;
      checked_at: number;
    }[];
    for (const row of rows) {
      this.#records.set(row.release, {
        release: row.release,
        trusted: row.trusted === 1,
        signer: row.signer ?? undefined,
        reason: row.reason ?? undefined,
        checkedAt: row.checked_at,
      });
    }
  }

  /** Whether the Release at `release` is trusted now. */
  trusted(release: string): boolean {
    return this.#records.get(release)?.trusted ?? false;
  }

  /** SHA-256 of the Release that verified against the signature with this DHT key (hex). */
  signedSha256(key: string): string | undefined {
    return (this.#signedSha256.get(key.toLowerCase()) as { sha256: string } | undefined)?.sha256;
  }

  /** Every signature key with the SHA-256 of the Release it signs (to announce at start). */
  signedReleases(): { key: string; sha256: string }[] {
    return (this.db.prepare("SELECT dht_key, sha256 FROM signed_releases").all() as {
      dht_key: string;
      sha256: string;
    }[]).map((row) => ({ key: row.dht_key, sha256: row.sha256 }));
  }

  /** Every Release seen, for the status page. */
  all(): ReleaseTrustRecord[] {
    return [...this.#records.values()].sort((a, b) => a.release.localeCompare(b.release));
  }

  /**
   * Checks an InRelease and records the outcome. Returns the text to parse:
   * only what the signature covers when it verified, else the whole body.
   */
  async checkInRelease(release: string, text: string): Promise<string> {
    if (!text.startsWith("-----BEGIN PGP SIGNED MESSAGE-----")) {
      this.#record(release, { ok: false, reason: "InRelease is not clearsigned" });
      return text;
    }
    const verdict = await verifyClearsigned(text, await this.#keys());
    this.#record(release, verdict);
    return verdict.ok ? verdict.text : stripClearsign(text);
  }

  /** Checks a Release against its detached signature (undefined: not fetched yet). */
  async checkDetached(
    release: string,
    data: Uint8Array,
    signature: Uint8Array | undefined,
  ): Promise<boolean> {
    if (!signature) {
      this.#record(release, { ok: false, reason: "no Release.gpg seen yet" });
      return false;
    }
    let verdict: SignatureVerdict;
    let hasher: SignatureHasher | undefined;
    try {
      hasher = await SignatureHasher.from(signature, () => this.#keys());
      verdict = await hasher.update(data).verify();
    } catch (error) {
      verdict = { ok: false, reason: `Release.gpg unreadable: ${(error as Error).message}` };
    }
    this.#record(release, verdict);
    if (verdict.ok && hasher) {
      const key = idToHex(signatureDhtKey(hasher.signature));
      const sha256 = newHasher("sha256").update(data).hexdigest();
      this.#saveSigned.run(key, release, sha256, this.now());
      this.onSigned?.(key);
    }
    return verdict.ok;
  }

  async #keys() {
    return this.keys ? await this.keys.keys() : [];
  }

  #record(
    release: string,
    verdict: { ok: true; signer: string } | { ok: false; reason: string },
  ): void {
    const record: ReleaseTrustRecord = verdict.ok
      ? { release, trusted: true, signer: verdict.signer, checkedAt: this.now() }
      : { release, trusted: false, reason: verdict.reason, checkedAt: this.now() };
    this.#records.set(release, record);
    this.#save.run(
      release,
      record.trusted ? 1 : 0,
      record.signer ?? null,
      record.reason ?? null,
      record.checkedAt,
    );
  }
}
