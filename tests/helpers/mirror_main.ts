/**
 * A test mirror as a process of its own (in a network namespace): serves
 * `<root>` on `<address>:<port>` and prints one JSON line per request
 * (`{"path", "status", "bytes"}`) on stdout.
 *
 * Usage: deno run -P=test tests/helpers/mirror_main.ts ROOT ADDRESS PORT
 */

import { MirrorServer } from "./mirror_server.ts";

const [root, address, port] = Deno.args;
const mirror = await MirrorServer.start(root, address, Number(port));
mirror.onLog = ({ path, status, bytes }) => console.log(JSON.stringify({ path, status, bytes }));
console.log(JSON.stringify({ listening: `${address}:${mirror.port}` }));
Deno.addSignalListener("SIGTERM", () => mirror.stop().then(() => Deno.exit(0)));
