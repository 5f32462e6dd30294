/**
 * The version of apt-dht, kept in one place: `deno.json`.
 *
 * @module
 */
import project from "../deno.json" with { type: "json" };

/** The version `apt-dht --version` prints. */
export const VERSION: string = project.version;
