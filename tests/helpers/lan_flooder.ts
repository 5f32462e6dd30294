/**
 * A stranger on the LAN: sends `count` BEP 14 datagrams in `seconds` to the
 * group from `address`, seeded: announces with apt-dht's info-hash naming
 * ports where no DHT node answers, announces cut and mutated, random bytes,
 * oversized ones. Prints `{"sent": n}` when done.
 *
 * Usage: deno run -P=test tests/helpers/lan_flooder.ts ADDRESS COUNT SECONDS SEED
 */

import { APT_DHT_LAN_INFOHASH, LSD_GROUP_V4, LSD_PORT } from "../../src/lan/constants.ts";
import { formatAnnounce } from "../../src/lan/lsd_message.ts";
import { seededRandom } from "./seeded_random.ts";

const [address, countText, secondsText, seedText] = Deno.args;
const count = Number(countText);
const random = seededRandom(Number(seedText));
const socket = Deno.listenDatagram({ transport: "udp", hostname: address, port: 0 });
const group = { transport: "udp" as const, hostname: LSD_GROUP_V4, port: LSD_PORT };

function datagram(): Uint8Array {
  const announce = formatAnnounce(`${LSD_GROUP_V4}:${LSD_PORT}`, {
    port: 1 + random.int(65535),
    infoHashes: [APT_DHT_LAN_INFOHASH],
    cookie: String(random.int(1e9)),
  });
  switch (random.int(4)) {
    case 0:
      return announce; // well formed, naming a port nobody answers on
    case 1: {
      const cut = announce.slice(0, random.int(announce.length + 1));
      for (let flips = 1 + random.int(4); flips > 0 && cut.length; flips--) {
        cut[random.int(cut.length)] = random.int(256);
      }
      return cut;
    }
    case 2:
      return Uint8Array.from({ length: random.int(1400) }, () => random.int(256));
    default:
      return new Uint8Array(1400).fill(0x41);
  }
}

const started = Date.now();
const perMs = count / (Number(secondsText) * 1000);
let sent = 0;
while (sent < count) {
  const due = Math.min(count, Math.floor((Date.now() - started) * perMs) + 1);
  for (; sent < due; sent++) await socket.send(datagram(), group);
  await new Promise((r) => setTimeout(r, 5));
}
console.log(JSON.stringify({ sent, ms: Date.now() - started }));
socket.close();
