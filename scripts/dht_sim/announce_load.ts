/**
 * A daemon with a large cache in the simulated DHT: the real Announcer on a
 * real node that stays, announcing every file it holds, while the network
 * churns and loses packets. Every few simulated minutes, a sample of the
 * files is looked up from random nodes (found within 2 s?), and checked
 * against the K live nodes closest to each key (does one store our
 * address?); and the announcer says how far behind it is.
 *
 * @module
 */

import { K } from "../../src/dht/constants.ts";
import { Logger } from "../../src/log/mod.ts";
import { Announcer } from "../../src/peers/mod.ts";
import { dhtKeyOf } from "../../src/peers/announcer.ts";
import { PEER_TTL_MS } from "../../src/dht/constants.ts";
import { lookup } from "./measure.ts";
import { createSimulation } from "./sim_world.ts";

/** What the run is given. */
export interface AnnounceLoadOptions {
  readonly nodes: number;
  readonly files: number;
  readonly loss: number;
  readonly minutes: number;
  readonly random: () => number;
  readonly log: (line: string) => void;
}

/** Files looked up in each sample. */
const SAMPLE = 100;
/** A sample's lookups are spread over this much simulated time. */
const LOOKUP_SPREAD_MS = 60_000;
/** Simulated time between samples. */
const SAMPLE_EVERY_MS = 5 * 60_000;

/** Runs it; its figures. */
export async function runAnnounceLoad(
  options: AnnounceLoadOptions,
): Promise<Record<string, unknown>> {
  const { random, log } = options;
  const wallStart = performance.now();
  const { clock, network, world } = createSimulation({
    natShare: 0.3,
    medianSessionMs: 60 * 60_000,
    random,
  });
  try {
    await world.populate(options.nodes, 30_000);
    world.startChurn();
    const daemon = await world.spawnStaying();
    network.lossRate = options.loss;
    const files = Array.from(
      { length: options.files },
      () => Array.from({ length: 64 }, () => Math.floor(random() * 16).toString(16)).join(""),
    );
    const announcer = new Announcer(daemon.node, () => 3142, clock, new Logger("error"));
    for (const sha256 of files) announcer.add(sha256);
    const started = clock.now();
    const sentBefore = daemon.node.stats().counters.bytesOut;
    announcer.start();

    const samples: Record<string, number>[] = [];
    for (let at = SAMPLE_EVERY_MS; at <= options.minutes * 60_000; at += SAMPLE_EVERY_MS) {
      await clock.runFor(SAMPLE_EVERY_MS - LOOKUP_SPREAD_MS);
      const ours = new Set([daemon.address]);
      const sampled = Array.from(
        { length: SAMPLE },
        () => dhtKeyOf(files[Math.floor(random() * files.length)]),
      );
      // Lookups as a peer wanting the file makes them, from random live nodes, spread out.
      const looks = sampled.map((key, i) =>
        clock.sleep((i * LOOKUP_SPREAD_MS) / SAMPLE).then(() => {
          const live = world.live().filter((n) => n !== daemon);
          return lookup(clock, world, live[Math.floor(random() * live.length)], key, ours);
        })
      );
      const found = (await clock.runUntil(Promise.all(looks), LOOKUP_SPREAD_MS + 60_000)) ?? [];
      const stored = sampled.filter((key) =>
        world.closestLive(key, K).some((n) =>
          n.node.storedPeers(key).some((p) =>
            p.address === daemon.address
          )
        )
      ).length;
      const backlog = announcer.backlog();
      const sample = {
        minute: Math.round((clock.now() - started) / 60_000),
        found_within_2s: Math.round(
          (found.filter((f) => f.firstMs !== undefined && f.firstMs <= 2000).length / SAMPLE) *
            1000,
        ) / 1000,
        stored_at_closest: Math.round((stored / SAMPLE) * 1000) / 1000,
        overdue: backlog.overdue,
        behind_s: backlog.behindS,
        per_second: backlog.perSecond,
        in_flight: backlog.inFlight,
      };
      samples.push(sample);
      log(
        `  ${JSON.stringify(sample)} (${
          ((performance.now() - wallStart) / 1000).toFixed(0)
        } s wall)`,
      );
    }
    announcer.stop();
    const hours = (clock.now() - started) / 3_600_000;
    // Once the first round is over (every file stored once), each sample should find them all.
    const firstRoundMin = (options.files / announcer.backlog().perSecond) / 60;
    const steady = samples.filter((s) => s.minute > firstRoundMin + 5);
    return {
      nodes: options.nodes,
      files: options.files,
      loss: options.loss,
      simulated_min: options.minutes,
      wall_s: Math.round((performance.now() - wallStart) / 1000),
      announced: announcer.announced,
      failed: announcer.failed,
      announces_per_file_hour: Math.round((announcer.announced / options.files / hours) * 100) /
        100,
      expiry_min: PEER_TTL_MS / 60_000,
      found_after_first_round_min: steady.length
        ? Math.min(...steady.map((s) => s.found_within_2s))
        : null,
      daemon_kbytes_out_per_s: Math.round(
        (daemon.node.stats().counters.bytesOut - sentBefore) / 1024 / (hours * 3600),
      ),
      samples,
    };
  } finally {
    await Promise.all(world.live().map((n) => n.node.stop()));
    clock.close();
  }
}
