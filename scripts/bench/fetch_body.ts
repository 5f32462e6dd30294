/**
 * A plain `fetch()` of one URL, its body read to the end and dropped, in a
 * process of its own: what the runtime's HTTP client does alone, the
 * reference for the daemon's own fetches. Prints the seconds it took.
 *
 *   deno run -P=test scripts/bench/fetch_body.ts URL [CA_FILE]
 */

const [url, caFile] = Deno.args;
const client = Deno.createHttpClient(caFile ? { caCerts: [await Deno.readTextFile(caFile)] } : {});
const started = performance.now();
const response = await fetch(url, { client });
if (!response.ok || !response.body) throw new Error(`${url}: ${response.status}`);
let bytes = 0;
for await (const chunk of response.body) bytes += chunk.byteLength;
console.log(JSON.stringify({ seconds: (performance.now() - started) / 1000, bytes }));
