import assert from "node:assert/strict";
import { keyLines } from "../../src/config/key_lines.ts";

Deno.test("keyLines finds each key's line: tables, dotted keys, past multi-line arrays and strings", () => {
  const text = [
    "# apt-dht", //                                   1
    "[server]", //                                    2
    'listen = "0.0.0.0"  # all', //                   3
    "allowed_clients = [", //                         4
    '  "10.0.0.0/8",  # port = 1 is no key here', //  5
    '  "192.168.0.0/16", "[cache]",', //              6
    "]", //                                           7
    "port = 9977", //                                 8
    "", //                                            9
    "[ mirrors.debian ]", //                          10
    'upstreams = ["http://deb.debian.org/debian"]', // 11
    '[mirrors."my mirror"]', //                     12
    "upstreams = '''", //                             13
    "level = not a key", //                           14
    "'''", //                                         15
    "[cache]", //                                     16
    'max_size = "20G"', //                            17
    'log.level = "debug"', //                       18
  ].join("\n");
  assert.deepEqual(
    Object.fromEntries(keyLines(text)),
    {
      "server": 2,
      "server.listen": 3,
      "server.allowed_clients": 4,
      "server.port": 8,
      "mirrors.debian": 10,
      "mirrors.debian.upstreams": 11,
      "mirrors.my mirror": 12,
      "mirrors.my mirror.upstreams": 13,
      "cache": 16,
      "cache.max_size": 17,
      "cache.log.level": 18,
    },
  );
});
