/**
 * The structure the architecture notes promise: no import cycle between
 * files (or folders) in src/, and no file in src/ much over 450 lines.
 */

import assert from "node:assert/strict";

const root = new URL("../../", import.meta.url);
const MAX_LINES = 450;

/** `deno info --json main.ts`: every module main.ts loads. */
async function mainInfo() {
  const output = await new Deno.Command(Deno.execPath(), {
    args: ["info", "--json", "main.ts"],
    cwd: root,
    stdout: "piped",
  }).output();
  assert.ok(output.success, "deno info failed");
  return JSON.parse(new TextDecoder().decode(output.stdout));
}

/** src/ files and the src/ files each imports (types included), from `deno info`. */
async function importGraph(): Promise<Map<string, string[]>> {
  const info = await mainInfo();
  const prefix = new URL("src/", root).href;
  const graph = new Map<string, string[]>();
  for (const module of info.modules as { specifier: string; dependencies?: unknown[] }[]) {
    if (!module.specifier.startsWith(prefix)) continue;
    const deps = (module.dependencies ?? []) as {
      code?: { specifier: string };
      type?: { specifier: string };
    }[];
    const targets = deps.flatMap((d) => [d.code?.specifier, d.type?.specifier])
      .filter((s): s is string => s?.startsWith(prefix) ?? false)
      .map((s) => s.slice(prefix.length));
    graph.set(module.specifier.slice(prefix.length), [...new Set(targets)]);
  }
  return graph;
}

/** Strongly connected groups of more than one node (each is a cycle). */
function cycles(graph: Map<string, string[]>): string[][] {
  let counter = 0;
  const index = new Map<string, number>();
  const low = new Map<string, number>();
  const stack: string[] = [];
  const onStack = new Set<string>();
  const found: string[][] = [];
  const visit = (node: string) => {
    index.set(node, counter);
    low.set(node, counter++);
    stack.push(node);
    onStack.add(node);
    for (const next of graph.get(node) ?? []) {
      if (!index.has(next)) {
        visit(next);
        low.set(node, Math.min(low.get(node)!, low.get(next)!));
      } else if (onStack.has(next)) low.set(node, Math.min(low.get(node)!, index.get(next)!));
    }
    if (low.get(node) === index.get(node)) {
      const group: string[] = [];
      let member: string;
      do {
        member = stack.pop()!;
        onStack.delete(member);
        group.push(member);
      } while (member !== node);
      if (group.length > 1) found.push(group.sort());
    }
  };
  for (const node of graph.keys()) if (!index.has(node)) visit(node);
  return found;
}

Deno.test("no file in src/ imports itself back through others", async () => {
  assert.deepEqual(cycles(await importGraph()), []);
});

Deno.test("no folder in src/ imports a folder that imports it back", async () => {
  const folders = new Map<string, string[]>();
  const folderOf = (file: string) => file.includes("/") ? file.split("/")[0] : ".";
  for (const [file, targets] of await importGraph()) {
    const from = folderOf(file);
    const to = targets.map(folderOf).filter((f) => f !== from && f !== ".");
    folders.set(from, [...new Set([...(folders.get(from) ?? []), ...to])]);
  }
  assert.deepEqual(cycles(folders), []);
});

Deno.test(`no file in src/ is over ${MAX_LINES} lines`, async () => {
  const long: string[] = [];
  const walk = async (dir: URL) => {
    for await (const entry of Deno.readDir(dir)) {
      const url = new URL(entry.name + (entry.isDirectory ? "/" : ""), dir);
      if (entry.isDirectory) await walk(url);
      else if (entry.name.endsWith(".ts")) {
        const lines = (await Deno.readTextFile(url)).split("\n").length - 1;
        if (lines > MAX_LINES) long.push(`${url.pathname.slice(root.pathname.length)}: ${lines}`);
      }
    }
  };
  await walk(new URL("src/", root));
  assert.deepEqual(long, []);
});

Deno.test("no file in src/ uses npm bencode: its decoder loops for ever on d-3: (src/bencode/ is ours)", async () => {
  const info = await mainInfo();
  const npm = (info.modules as { kind: string; npmPackage?: string }[])
    .flatMap((m) => m.kind === "npm" && m.npmPackage ? [m.npmPackage] : []);
  assert.ok(npm.length > 0, "the graph has npm packages");
  assert.deepEqual(npm.filter((id) => id.startsWith("bencode@")), []);
});

/** Every .ts file under `dir` (relative to the repository), recursively. */
async function tsFiles(dir: string): Promise<string[]> {
  const found: string[] = [];
  const walk = async (path: string) => {
    for await (const entry of Deno.readDir(new URL(path, root))) {
      if (entry.isDirectory) await walk(`${path}${entry.name}/`);
      else if (entry.name.endsWith(".ts")) found.push(`${path}${entry.name}`);
    }
  };
  await walk(dir);
  return found;
}

/** The names in `{ a, type B, c as d }` (the exported or imported side of each). */
const namesIn = (list: string, side: "from" | "as") =>
  list.split(",").map((part) => part.trim().replace(/^type\s+/, "")).filter(Boolean)
    .map((part) => part.split(/\s+as\s+/)[side === "from" ? 0 : part.split(/\s+as\s+/).length - 1]);

Deno.test("each folder's mod.ts exports by name only what other folders of src/ (or scripts/) use", async () => {
  const mods = (await tsFiles("src/")).filter((file) => file.endsWith("/mod.ts"));
  const users = [...await tsFiles("src/"), ...await tsFiles("scripts/"), "main.ts"];
  const statement = /(?:import|export)\s+(?:type\s+)?\{([^}]*)\}\s*from\s*"([^"]+)"/g;
  const used = new Map<string, Set<string>>(mods.map((mod) => [mod, new Set()]));
  for (const file of users) {
    const text = await Deno.readTextFile(new URL(file, root));
    for (const [, list, specifier] of text.matchAll(statement)) {
      if (!specifier.startsWith(".")) continue;
      const target = new URL(specifier, new URL(file, root)).pathname.slice(root.pathname.length);
      const folder = target.slice(0, -"mod.ts".length);
      if (used.has(target) && !file.startsWith(folder)) {
        for (const name of namesIn(list, "from")) used.get(target)!.add(name);
      }
    }
  }
  const problems: string[] = [];
  for (const mod of mods) {
    const text = await Deno.readTextFile(new URL(mod, root));
    if (/^export\s+\*/m.test(text)) problems.push(`${mod}: export *`);
    for (const [, list] of text.matchAll(/^export\s+(?:type\s+)?\{([^}]*)\}\s*from/gm)) {
      for (const name of namesIn(list, "as")) {
        if (!used.get(mod)!.has(name)) problems.push(`${mod}: ${name} is used by no other folder`);
      }
    }
  }
  assert.deepEqual(problems, []);
});

Deno.test("a file in src/ reaches another folder through its mod.ts only (folders without one are helpers: util/)", async () => {
  const files = await tsFiles("src/");
  const withMod = new Set(files.filter((f) => f.endsWith("/mod.ts")).map((f) => f.slice(0, -6)));
  const problems: string[] = [];
  for (const file of files) {
    const text = await Deno.readTextFile(new URL(file, root));
    for (const [, specifier] of text.matchAll(/from\s*"(\.[^"]+)"/g)) {
      const target = new URL(specifier, new URL(file, root)).pathname.slice(root.pathname.length);
      // The deepest folder with a mod.ts that holds the target and not the importer.
      const folder = [...withMod].filter((f) => target.startsWith(f) && !file.startsWith(f))
        .sort((a, b) => b.length - a.length)[0];
      if (folder && target !== `${folder}mod.ts`) problems.push(`${file} imports ${target}`);
    }
  }
  assert.deepEqual(problems, []);
});
