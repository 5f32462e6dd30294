/**
 * A throw-away certificate authority and a server certificate it signed,
 * made with the system's openssl for one test: the https mirror serves the
 * certificate, the daemon (or apt) trusts the CA file. Valid for loopback
 * (127.0.0.1, ::1, localhost) and for the addresses and names asked for.
 */

export interface TestCa {
  readonly dir: string;
  /** The CA certificate, PEM, as a file (upstream.ca_files, Acquire::https::CaInfo). */
  readonly caFile: string;
  /** The server's certificate (PEM) and key, for `Deno.serve({ cert, key })`. */
  readonly cert: string;
  readonly key: string;
  cleanup(): Promise<void>;
}

async function openssl(args: string[], cwd: string): Promise<void> {
  const { code, stderr } = await new Deno.Command("openssl", { args, cwd, stderr: "piped" })
    .output();
  if (code !== 0) {
    throw new Error(`openssl ${args[0]} failed: ${new TextDecoder().decode(stderr)}`);
  }
}

/** Makes the CA and a server certificate for loopback and `extra` (IP addresses or names). */
export async function makeTestCa(extra: readonly string[] = []): Promise<TestCa> {
  const dir = await Deno.makeTempDir({ prefix: "apt-dht-ca-" });
  const ec = ["-newkey", "ec", "-pkeyopt", "ec_paramgen_curve:P-256", "-nodes"];
  await openssl([
    "req",
    "-x509",
    ...ec,
    "-keyout",
    "ca.key",
    "-out",
    "ca.pem",
    "-days",
    "2",
    "-subj",
    "/CN=apt-dht test CA",
    "-addext",
    "basicConstraints=critical,CA:TRUE",
    "-addext",
    "keyUsage=critical,keyCertSign",
  ], dir);
  await openssl([
    "req",
    ...ec,
    "-keyout",
    "server.key",
    "-out",
    "server.csr",
    "-subj",
    "/CN=mirror",
  ], dir);
  const names = ["127.0.0.1", "::1", "localhost", ...extra].map((name) =>
    /^[\d.]+$|:/.test(name) ? `IP:${name}` : `DNS:${name}`
  );
  await Deno.writeTextFile(
    `${dir}/ext`,
    `subjectAltName=${names.join(",")}\nbasicConstraints=CA:FALSE\nextendedKeyUsage=serverAuth\n`,
  );
  await openssl([
    "x509",
    "-req",
    "-in",
    "server.csr",
    "-CA",
    "ca.pem",
    "-CAkey",
    "ca.key",
    "-CAcreateserial",
    "-out",
    "server.pem",
    "-days",
    "2",
    "-extfile",
    "ext",
  ], dir);
  return {
    dir,
    caFile: `${dir}/ca.pem`,
    cert: await Deno.readTextFile(`${dir}/server.pem`),
    key: await Deno.readTextFile(`${dir}/server.key`),
    cleanup: () => Deno.remove(dir, { recursive: true }).catch(() => {}),
  };
}
