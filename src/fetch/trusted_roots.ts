/**
 * The certificate authorities https mirrors are checked against, besides
 * the ones built into the runtime: the system's bundle (what apt itself
 * trusts, so a CA added with update-ca-certificates works through the
 * daemon as it does without it) and the files in `upstream.ca_files` (a
 * company's own CA, a test's throw-away one). TLS only protects the way to
 * the mirror: what is served is still decided by signatures and hashes.
 *
 * Each certificate is parsed here: the TLS library takes a file without
 * one silently, and one broken certificate fails every connection.
 *
 * @module
 */

import { X509Certificate } from "node:crypto";

/** Where Debian's ca-certificates writes the bundle of every trusted CA. */
export const SYSTEM_CA_BUNDLE = "/etc/ssl/certs/ca-certificates.crt";

/** A configured CA file that cannot be used, with the file and why. */
export class TrustedRootsError extends Error {
  override name = "TrustedRootsError";
}

const PEM_CERTIFICATE = /-----BEGIN CERTIFICATE-----[\s\S]*?-----END CERTIFICATE-----/g;

/**
 * The PEM certificates of the system bundle (when it exists; a broken one
 * in it is left out) and of each of `files` (each must exist and hold only
 * certificates that parse: {@link TrustedRootsError} otherwise).
 */
export function loadTrustedRoots(
  files: readonly string[],
  systemBundle: string | undefined = SYSTEM_CA_BUNDLE,
): string[] {
  const roots: string[] = [];
  if (systemBundle) {
    let text: string | undefined;
    try {
      text = Deno.readTextFileSync(systemBundle);
    } catch {
      // No ca-certificates package: the runtime's own roots remain.
    }
    for (const pem of text?.match(PEM_CERTIFICATE) ?? []) {
      if (parses(pem)) roots.push(pem);
    }
  }
  for (const file of files) {
    let text: string;
    try {
      text = Deno.readTextFileSync(file);
    } catch (error) {
      throw new TrustedRootsError(
        `upstream.ca_files: cannot read ${file}: ${(error as Error).message}`,
      );
    }
    const pems = text.match(PEM_CERTIFICATE) ?? [];
    if (pems.length === 0) {
      throw new TrustedRootsError(
        `upstream.ca_files: ${file} holds no PEM certificate (-----BEGIN CERTIFICATE-----)`,
      );
    }
    pems.forEach((pem, i) => {
      if (!parses(pem)) {
        throw new TrustedRootsError(
          `upstream.ca_files: certificate ${i + 1} of ${file} does not parse`,
        );
      }
    });
    roots.push(...pems);
  }
  return roots;
}

function parses(pem: string): boolean {
  try {
    new X509Certificate(pem);
    return true;
  } catch {
    return false;
  }
}
