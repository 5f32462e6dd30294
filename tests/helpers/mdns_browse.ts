/**
 * An independent mDNS client (npm bonjour-service, a DNS-SD browser of its
 * own): browses `_apt_proxy._tcp` from `address` and prints the first
 * service resolved as JSON (`{"name", "host", "port", "addresses"}`), or
 * exits 1 after `seconds` with nothing found.
 *
 * Usage: deno run -P=test tests/helpers/mdns_browse.ts ADDRESS SECONDS
 */

import { Bonjour } from "bonjour-service";

const [address, seconds] = Deno.args;
// Options for its multicast-dns socket (untyped there). bind 0.0.0.0: bound to the unicast
// address, the socket would never see the group's answers.
const socketOptions: Record<string, unknown> = { interface: address, bind: "0.0.0.0" };
const bonjour = new Bonjour(socketOptions);
bonjour.find({ type: "apt_proxy" }, (service) => {
  console.log(JSON.stringify({
    name: service.name,
    host: service.host,
    port: service.port,
    addresses: service.addresses,
  }));
  Deno.exit(0);
});
setTimeout(() => {
  console.log(JSON.stringify({ found: null }));
  Deno.exit(1);
}, Number(seconds) * 1000);
