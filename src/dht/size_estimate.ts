/**
 * Network size from the spacing of the K closest nodes a lookup found: with
 * n nodes spread evenly over the 2^160 id space, the i-th closest lies about
 * i·2^160/n from the target. Each lookup gives n ≈ 2^160 / 2^(mean log2
 * spacing), the spacing of the i-th node being its distance over its
 * expected multiple; an exponentially weighted moving average (of the
 * logarithms) smooths lookups.
 *
 * @module
 */

import { SIZE_ESTIMATE_WEIGHT } from "./constants.ts";
import { distance, idToBigInt, type NodeId } from "./node_id.ts";

const EULER_GAMMA = 0.5772156649015329;

function log2(value: bigint): number {
  if (value <= 0n) return 0;
  const bits = value.toString(2).length;
  // The top 52 bits give the fraction precisely enough.
  const shift = Math.max(0, bits - 53);
  return Math.log2(Number(value >> BigInt(shift))) + shift;
}

/** The estimate from one lookup: `closest` sorted by distance to `target`. */
export function estimateFromLookup(target: NodeId, closest: readonly NodeId[]): number | undefined {
  if (closest.length < 2) return undefined;
  // E[log d_i] = log(2^160/n) + ψ(i), with ψ the digamma function (ψ(i) = H(i-1) − γ);
  // subtracting ψ(i) rather than log(i) keeps the estimate unbiased.
  let sum = 0;
  let harmonic = 0;
  closest.forEach((id, i) => {
    const d = idToBigInt(distance(target, id));
    sum += log2(d) - (harmonic - EULER_GAMMA) / Math.LN2;
    harmonic += 1 / (i + 1);
  });
  const meanSpacing = sum / closest.length;
  return 2 ** (160 - meanSpacing);
}

/** Smooths per-lookup estimates. */
export class SizeEstimator {
  #value: number | undefined;
  samples = 0;

  constructor(private readonly weight = SIZE_ESTIMATE_WEIGHT) {}

  /** Adds one lookup's result (ignored when it found too few nodes). */
  add(target: NodeId, closest: readonly NodeId[]): void {
    const estimate = estimateFromLookup(target, closest);
    if (estimate === undefined || !Number.isFinite(estimate)) return;
    // Average in the log domain: the estimates are spread multiplicatively.
    const log = Math.log2(estimate);
    this.samples++;
    // A plain mean over the first samples, then the moving average: quick to settle, then steady.
    const weight = Math.max(1 / this.samples, this.weight);
    this.#value = this.#value === undefined ? log : this.#value + weight * (log - this.#value);
  }

  /** The smoothed estimate of the number of nodes, or undefined before any lookup. */
  get estimate(): number | undefined {
    return this.#value === undefined ? undefined : Math.round(2 ** this.#value);
  }
}
