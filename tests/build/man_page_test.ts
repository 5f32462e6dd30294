/**
 * apt-dht(1): rendered by man(1) without a warning, with every section, and
 * every command, option and configuration key of the sources --help and the
 * README come from.
 */

import assert from "node:assert/strict";
import { manPage } from "../../scripts/man_page.ts";
import { COMMAND_HELP, OPTION_HELP } from "../../src/config/help_text.ts";
import { KEY_REFERENCE } from "../../src/config/key_reference.ts";

Deno.test("man -l renders apt-dht(1) with no warning, every section, command, option and key", async () => {
  const dir = await Deno.makeTempDir();
  try {
    await Deno.writeTextFile(`${dir}/apt-dht.1`, manPage());
    // What lintian runs for manpage-has-errors-from-man.
    const { code, stdout, stderr } = await new Deno.Command("man", {
      args: ["--warnings", "-E", "UTF-8", "-l", "-Tutf8", "-Z", `${dir}/apt-dht.1`],
      env: { LC_ALL: "C.UTF-8", MANWIDTH: "80" },
      stdout: "piped",
      stderr: "piped",
    }).output();
    assert.equal(code, 0);
    assert.equal(new TextDecoder().decode(stderr), "", "groff's warnings");
    assert.ok(stdout.length > 10_000);
    // The plain text, as a person reads it.
    const text = new TextDecoder().decode(
      (await new Deno.Command("man", {
        args: ["-l", `${dir}/apt-dht.1`],
        env: { LC_ALL: "C.UTF-8", MANWIDTH: "200" }, // not a terminal: plain text
        stdout: "piped",
      }).output()).stdout,
    );
    for (
      const section of [
        "NAME",
        "SYNOPSIS",
        "DESCRIPTION",
        "COMMANDS",
        "OPTIONS",
        "FILES",
        "CONFIGURATION",
        "SIGNALS",
        "EXIT STATUS",
        "EXAMPLES",
        "SEE ALSO",
      ]
    ) assert.match(text, new RegExp(`^${section}$`, "m"), section);
    assert.match(text, /^ +apt-dht - peer-to-peer proxy for apt$/m, "the whatis entry");
    for (const command of COMMAND_HELP) {
      assert.match(text, new RegExp(`^ {7}${command.name}\\b`, "m"), command.name);
    }
    for (const option of OPTION_HELP) {
      assert.match(text, new RegExp(`^ {7}.*--${option.long}\\b`, "m"), option.long);
    }
    for (const key of KEY_REFERENCE) {
      assert.match(text, new RegExp(`^ {7}${key.key.replace(/[.<>]/g, "\\$&")}$`, "m"), key.key);
    }
    assert.match(text, /SIGHUP[\s\S]*server\.allowed_clients[\s\S]*SIGTERM, SIGINT/);
  } finally {
    await Deno.remove(dir, { recursive: true });
  }
});
