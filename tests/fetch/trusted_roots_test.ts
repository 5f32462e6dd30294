import assert from "node:assert/strict";
import { loadTrustedRoots, TrustedRootsError } from "../../src/fetch/trusted_roots.ts";
import { makeTestCa } from "../helpers/tls.ts";

Deno.test("loadTrustedRoots() adds configured CAs to the system bundle, and names a file it cannot use", async () => {
  const ca = await makeTestCa();
  const dir = await Deno.makeTempDir({ prefix: "apt-dht-roots-" });
  try {
    const system = loadTrustedRoots([]);
    const withOurs = loadTrustedRoots([ca.caFile]);
    assert.equal(withOurs.length, system.length + 1);
    assert.equal(withOurs.at(-1)!.trim(), (await Deno.readTextFile(ca.caFile)).trim());
    // A missing system bundle leaves the runtime's own roots: no error.
    assert.deepEqual(loadTrustedRoots([ca.caFile], `${dir}/none.crt`).length, 1);

    await Deno.writeTextFile(`${dir}/empty.pem`, "not a certificate\n");
    await Deno.writeTextFile(
      `${dir}/broken.pem`,
      "-----BEGIN CERTIFICATE-----\nAAAA\n-----END CERTIFICATE-----\n",
    );
    const cases: [string, RegExp][] = [
      [`${dir}/missing.pem`, /upstream\.ca_files: cannot read .*missing\.pem/],
      [`${dir}/empty.pem`, /empty\.pem holds no PEM certificate/],
      [`${dir}/broken.pem`, /certificate 1 of .*broken\.pem does not parse/],
    ];
    for (const [file, message] of cases) {
      assert.throws(
        () => loadTrustedRoots([file], undefined),
        (e: unknown) => e instanceof TrustedRootsError && message.test(e.message),
        file,
      );
    }
  } finally {
    await ca.cleanup();
    await Deno.remove(dir, { recursive: true });
  }
});
