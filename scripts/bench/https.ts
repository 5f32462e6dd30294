/**
 * Benchmark: a 64 MiB package from an https mirror (nginx with a
 * throw-away CA, on loopback), fetched by curl in the same run:
 *
 * - `direct`: straight from the mirror over TLS (the reference);
 * - `tunnel`: in proxy mode, through the daemon's `CONNECT` tunnel;
 * - `rewrite_https_cold`: through `/https/<host>/…`, a fresh daemon that
 *   fetches it over TLS and checks its hash, against `rewrite_http_cold`,
 *   the same from the same nginx over plain http;
 * - `rewrite_https_warm`: the same request again, from the daemon's cache;
 * - `fetch_https` and `fetch_http`: a plain `fetch()` in a Deno process of
 *   its own, body read and dropped: what the runtime's client does alone,
 *   the reference for the daemon's cold fetches.
 *
 * Each round runs every way (a fresh daemon per cold fetch, the index read
 * first so the hash is known), in alternating order. Medians in MB/s and
 * the ratios to their references are printed and written to
 * bench-results/https.json. Installs nginx-light when missing (as root).
 *
 *   deno run -P=test scripts/bench/https.ts [--rounds 5]
 */

import { parseArgs } from "node:util";
import { buildArchive, bytes, sha256 } from "../../tests/helpers/archive.ts";
import {
  daemonCommand,
  type DaemonProcess,
  spawnDaemon,
} from "../../tests/helpers/daemon_process.ts";
import { testSigner } from "../../tests/helpers/signing.ts";
import { makeTestCa } from "../../tests/helpers/tls.ts";
import { ensureTools, freePort, startNginx } from "./load.ts";
import { median, stopAll, writeResults } from "./results.ts";

const { values } = parseArgs({ args: Deno.args, options: { rounds: { type: "string" } } });
const ROUNDS = Number(values.rounds ?? 5);
const SIZE = 64 * 1024 * 1024;
const DEB = "debian/pool/main/b/big/big_1.0_amd64.deb";
const INDEXES = ["debian/dists/stable/InRelease", "debian/dists/stable/main/binary-amd64/Packages"];
const WAYS = [
  "direct",
  "tunnel",
  "rewrite_https_cold",
  "rewrite_http_cold",
  "rewrite_https_warm",
  "fetch_https",
  "fetch_http",
] as const;
type Way = typeof WAYS[number];

await ensureTools({ nginx: "nginx-light" });
const dir = await Deno.makeTempDir({ prefix: "apt-dht-bench-https-" });
const children: Deno.ChildProcess[] = [];
const ca = await makeTestCa();
try {
  const signer = await testSigner();
  const data = bytes(SIZE, 7);
  await buildArchive(`${dir}/www`, { "big_1.0_amd64.deb": data }, { signer });
  const expected = sha256(data);

  // One nginx, the same files over http and https.
  const httpPort = freePort();
  const httpsPort = freePort();
  await Deno.writeTextFile(`${dir}/server.pem`, ca.cert);
  await Deno.writeTextFile(`${dir}/server.key`, ca.key);
  children.push(
    await startNginx(
      `${dir}/nginx`,
      `  server { listen 127.0.0.1:${httpPort}; root ${dir}/www; }
  server {
    listen 127.0.0.1:${httpsPort} ssl;
    ssl_certificate ${dir}/server.pem;
    ssl_certificate_key ${dir}/server.key;
    root ${dir}/www;
  }`,
      1,
    ),
  );
  const https = `127.0.0.1:${httpsPort}`;
  await Deno.writeTextFile(
    `${dir}/apt-dht.toml`,
    `[upstream]
ca_files = ["${ca.caFile}"]
[trust]
apt_keyrings = false
keyrings = ["${signer.keyring}"]
[dht]
enabled = false
# The mirror is on loopback: a tunnel may go there because it is a configured https mirror.
[mirrors.bench]
upstreams = ["https://${https}/debian"]
`,
  );

  /** curl's seconds for `url` (through `proxy`), after checking that the package came whole. */
  const curl = async (url: string, proxy?: string, isPackage = true): Promise<number> => {
    const out = `${dir}/out.deb`;
    const result = await new Deno.Command("curl", {
      args: [
        "-sS",
        "--fail",
        "--cacert",
        ca.caFile,
        ...(proxy ? ["--proxy", proxy] : ["--noproxy", "*"]),
        "-o",
        out,
        "-w",
        "%{time_total}",
        url,
      ],
      stdout: "piped",
      stderr: "piped",
    }).output();
    const text = new TextDecoder();
    if (!result.success) throw new Error(`curl ${url}: ${text.decode(result.stderr)}`);
    if (isPackage && sha256(await Deno.readFile(out)) !== expected) {
      throw new Error(`curl ${url}: wrong bytes`);
    }
    return Number(text.decode(result.stdout));
  };

  let round = 0;
  const freshDaemon = async (): Promise<DaemonProcess> => {
    const daemonDir = `${dir}/daemon-${round++}`;
    await Deno.mkdir(daemonDir);
    return await spawnDaemon(daemonCommand(daemonDir, {
      extra: ["--config", `${dir}/apt-dht.toml`],
    }));
  };
  /** A cold fetch through a fresh daemon that read the index first; with `warm`, again from its cache. */
  const throughDaemon = async (site: string, warm: boolean): Promise<number> => {
    await using daemon = await freshDaemon();
    const base = `http://127.0.0.1:${daemon.port}/${site}`;
    for (const index of INDEXES) await curl(`${base}/${index}`, undefined, false);
    // The listing is read off the serving thread once requests stop: wait until the hash is known.
    await new Promise((r) => setTimeout(r, 2_500));
    const cold = await curl(`${base}/${DEB}`);
    return warm ? await curl(`${base}/${DEB}`) : cold;
  };
  const tunnelDaemon = await freshDaemon();
  /** A plain fetch() of the package in a process of its own (fetch_body.ts). */
  const plainFetch = async (url: string): Promise<number> => {
    const result = await new Deno.Command(Deno.execPath(), {
      args: [
        "run",
        "-P=test",
        new URL("./fetch_body.ts", import.meta.url).pathname,
        url,
        ca.caFile,
      ],
      stdout: "piped",
      stderr: "inherit",
    }).output();
    const { seconds, bytes } = JSON.parse(new TextDecoder().decode(result.stdout));
    if (bytes !== SIZE) throw new Error(`fetch ${url}: ${bytes} bytes`);
    return seconds;
  };

  const seconds = Object.fromEntries(WAYS.map((w) => [w, [] as number[]])) as Record<Way, number[]>;
  const measure: Record<Way, () => Promise<number>> = {
    direct: () => curl(`https://${https}/${DEB}`),
    tunnel: () => curl(`https://${https}/${DEB}`, `http://127.0.0.1:${tunnelDaemon.port}`),
    rewrite_https_cold: () => throughDaemon(`https/${https}`, false),
    rewrite_http_cold: () => throughDaemon(`127.0.0.1:${httpPort}`, false),
    rewrite_https_warm: () => throughDaemon(`https/${https}`, true),
    fetch_https: () => plainFetch(`https://${https}/${DEB}`),
    fetch_http: () => plainFetch(`http://127.0.0.1:${httpPort}/${DEB}`),
  };
  await measure.direct(); // nginx's page cache warm for everyone
  for (let r = 0; r < ROUNDS; r++) {
    const order = r % 2 ? [...WAYS].reverse() : [...WAYS];
    for (const way of order) seconds[way].push(await measure[way]());
  }
  await tunnelDaemon.stop();

  const mbps = (way: Way) => +(SIZE / 1e6 / median(seconds[way])).toFixed(1);
  const ratio = (way: Way, reference: Way) => +(mbps(way) / mbps(reference)).toFixed(2);
  const figures = {
    size_bytes: SIZE,
    rounds: ROUNDS,
    seconds,
    median_mb_per_s: Object.fromEntries(WAYS.map((w) => [w, mbps(w)])),
    ratios: {
      tunnel_to_direct: ratio("tunnel", "direct"),
      rewrite_https_cold_to_rewrite_http_cold: ratio("rewrite_https_cold", "rewrite_http_cold"),
      rewrite_https_cold_to_fetch_https: ratio("rewrite_https_cold", "fetch_https"),
      fetch_https_to_fetch_http: ratio("fetch_https", "fetch_http"),
      rewrite_https_cold_to_direct: ratio("rewrite_https_cold", "direct"),
      rewrite_https_warm_to_direct: ratio("rewrite_https_warm", "direct"),
    },
  };
  console.log(`64 MiB over https, median of ${ROUNDS} rounds (MB/s):`);
  for (const way of WAYS) console.log(`  ${way.padEnd(20)} ${mbps(way)}`);
  console.log("ratios:", JSON.stringify(figures.ratios));
  await writeResults("https", figures);
} finally {
  await stopAll(children);
  await ca.cleanup();
  await Deno.remove(dir, { recursive: true }).catch(() => {});
}
