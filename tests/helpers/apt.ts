/**
 * Runs the real `apt-get` with a private state, cache and configuration
 * directory, so tests never touch (or depend on) the machine's apt setup.
 */

import assert from "node:assert/strict";

export interface AptRoot {
  readonly dir: string;
  /** Runs apt-get with the isolated configuration; resolves with its output, never throws. */
  aptGet(args: string[], options?: { proxy?: string }): Promise<{ code: number; output: string }>;
  /** `apt-get update`; fails the test unless it exits 0 with no warning or error line. */
  update(options?: { proxy?: string }): Promise<string>;
  /**
   * Really installs `packages` with `apt-get install` and dpkg into a root of
   * its own (`<dir>/root`: dpkg's --root and --admindir); fails the test
   * unless apt exits 0. Resolves with that root.
   */
  install(packages: string[], options?: { proxy?: string }): Promise<string>;
  /** The downloads directory used by `apt-get download` (the cwd). */
  readonly downloads: string;
  cleanup(): Promise<void>;
}

/** Extra apt configuration for one root. */
export interface AptRootOptions {
  /** apt.conf text (e.g. IndexTargets for Contents, DEP-11, cnf). */
  readonly config?: string;
  /** Acquire::Languages (default "none": no Translation files). */
  readonly languages?: string;
  /** A command apt-get runs under, e.g. `ip netns exec <ns>` (default: none). */
  readonly prefix?: readonly string[];
}

/** Creates an isolated apt root whose only source is `sourceLine`. */
export async function createAptRoot(
  sourceLine: string,
  rootOptions: AptRootOptions = {},
): Promise<AptRoot> {
  const dir = await Deno.makeTempDir({ prefix: "apt-dht-apt-" });
  for (
    const sub of [
      "state/lists/partial",
      "cache/archives/partial",
      "etc/sources.list.d",
      "etc/apt.conf.d",
      "etc/preferences.d",
      "etc/trusted.gpg.d",
      "downloads",
    ]
  ) {
    await Deno.mkdir(`${dir}/${sub}`, { recursive: true });
  }
  await Deno.writeTextFile(`${dir}/state/status`, "");
  await Deno.writeTextFile(`${dir}/etc/sources.list`, sourceLine + "\n");
  // Set here, not with -o: apt reads the parts directory before it applies -o, and the
  // machine's own apt.conf.d must not change what a test sees.
  await Deno.writeTextFile(
    `${dir}/apt.conf`,
    `Dir::Etc::Parts "${dir}/etc/apt.conf.d";\n${rootOptions.config ?? ""}`,
  );
  const options = [
    `Dir::State=${dir}/state`,
    `Dir::State::status=${dir}/state/status`,
    `Dir::Cache=${dir}/cache`,
    `Dir::Etc=${dir}/etc`,
    `Dir::Etc::SourceList=${dir}/etc/sources.list`,
    `Dir::Etc::SourceParts=${dir}/etc/sources.list.d`,
    `Dir::Etc::Parts=${dir}/etc/apt.conf.d`,
    `Dir::Etc::Preferences=${dir}/etc/preferences`,
    `Dir::Etc::PreferencesParts=${dir}/etc/preferences.d`,
    `Dir::Etc::TrustedParts=${dir}/etc/trusted.gpg.d`,
    `Dir::Etc::Trusted=${dir}/etc/trusted.gpg`,
    "APT::Architecture=amd64",
    "APT::Architectures=amd64",
    "APT::Sandbox::User=root",
    "Debug::NoLocking=1",
    `Acquire::Languages=${rootOptions.languages ?? "none"}`,
    "Acquire::Retries=0",
    "Acquire::http::Timeout=20",
  ].flatMap((o) => ["-o", o]);
  const aptGet: AptRoot["aptGet"] = async (args, extra = {}) => {
    const proxy = extra.proxy
      ? ["-o", `Acquire::http::Proxy=${extra.proxy}`]
      : ["-o", "Acquire::http::Proxy=DIRECT"];
    const [command, ...before] = [...(rootOptions.prefix ?? []), "apt-get"];
    const result = await new Deno.Command(command, {
      args: [...before, ...options, ...proxy, "-q", ...args],
      cwd: `${dir}/downloads`,
      env: { APT_CONFIG: `${dir}/apt.conf`, LC_ALL: "C", PATH: "/usr/sbin:/usr/bin:/sbin:/bin" },
      clearEnv: true,
      stdout: "piped",
      stderr: "piped",
    }).output();
    const output = new TextDecoder().decode(result.stdout) +
      new TextDecoder().decode(result.stderr);
    return { code: result.code, output };
  };
  return {
    dir,
    downloads: `${dir}/downloads`,
    aptGet,
    async update(extra) {
      const { code, output } = await aptGet(["update"], extra);
      assert.equal(code, 0, output);
      assert.doesNotMatch(output, /^(W|E):/m, output);
      return output;
    },
    async install(packages, extra) {
      const root = `${dir}/root`;
      const admin = `${root}/var/lib/dpkg`;
      for (const sub of ["info", "updates", "triggers"]) {
        await Deno.mkdir(`${admin}/${sub}`, { recursive: true });
      }
      await Deno.writeTextFile(`${admin}/status`, "");
      const dpkg = [
        `Dir::State::status=${admin}/status`,
        `DPkg::Options::=--root=${root}`,
        `DPkg::Options::=--admindir=${admin}`,
        "DPkg::Options::=--force-not-root",
        "DPkg::Options::=--force-script-chrootless",
        "DPkg::Use-Pty=0",
      ].flatMap((o) => ["-o", o]);
      const { code, output } = await aptGet(["install", "-y", ...dpkg, ...packages], extra);
      assert.equal(code, 0, output);
      return root;
    },
    async cleanup() {
      await Deno.remove(dir, { recursive: true }).catch(() => {});
    },
  };
}
