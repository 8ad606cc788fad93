/**
 * Times one controller decision cycle: decide() for every service a controller owns, here
 * 1,000 services x 20 instances with synthetic scores (mostly healthy, some degrading, some
 * flapping, a few services in trouble). Warm-up first, then N timed cycles; prints ms per cycle.
 *
 *   npx tsx bench/pipeline/decision-cycle.ts [services=1000] [instances=20] [cycles=200]
 */
import { performance } from 'node:perf_hooks';
import { seededRandom } from '../../services/core/src/random/seeded-random.js';
import { createServiceState, decide, type InstanceScoreInput, type ServiceDecisionState } from '../../services/controller/src/decisions/index.js';

const SERVICES = Number(process.argv[2] ?? 1_000);
const INSTANCES = Number(process.argv[3] ?? 20);
const CYCLES = Number(process.argv[4] ?? 200);
const WARMUP = 50;
const WINDOW_MS = 1_000;

// Seeded: the same synthetic fleet on every run.
const rand = seededRandom(4);
const instanceIds = Array.from({ length: INSTANCES }, (_, i) => `instance-${i}`);
const serviceIds = Array.from({ length: SERVICES }, (_, i) => `service-${i}`);
/** Per instance: 0 healthy, 1 degrading for a while, 2 flapping; per service: in trouble or not. */
const kind = serviceIds.map(() => instanceIds.map(() => (rand() < 0.05 ? 1 : rand() < 0.05 ? 2 : 0)));
const troubled = serviceIds.map(() => rand() < 0.02);

function scoresFor(s: number, cycle: number, nowMs: number): InstanceScoreInput[] {
  const row = kind[s] as number[];
  return instanceIds.map((instanceId, i) => {
    let score = 0.9 + rand() * 0.1;
    if (row[i] === 1) score = (cycle / 30) % 2 < 1 ? 0.1 + rand() * 0.2 : 0.85 + rand() * 0.15;
    else if (row[i] === 2) score = cycle % 2 === 0 ? 0.35 : 0.75;
    if (troubled[s] === true && i < INSTANCES * 0.6 && (cycle / 50) % 2 < 1) score = rand() * 0.3;
    return {
      instanceId,
      score,
      windowStartMs: nowMs - WINDOW_MS,
      windowEndMs: nowMs,
      components: null,
      sources: [{ topic: 'health-scores', partition: s % 3, offset: String(cycle) }],
    };
  });
}

let states: ServiceDecisionState[] = serviceIds.map((id) => createServiceState(id));
let nowMs = 1_800_000_000_000;
const timings: number[] = [];
/** CPU time too: on a shared machine wall time includes waiting for a core. */
const cpuTimings: number[] = [];
let published = 0;
let changes = 0;

for (let cycle = 0; cycle < WARMUP + CYCLES; cycle += 1) {
  nowMs += WINDOW_MS;
  // Inputs are built outside the timed section: the cycle is decide() over every service.
  const inputs = serviceIds.map((_, s) => scoresFor(s, cycle, nowMs));
  const next: ServiceDecisionState[] = new Array(SERVICES);
  let cyclePublished = 0;
  let cycleChanges = 0;
  const c0 = process.cpuUsage();
  const t0 = performance.now();
  for (let s = 0; s < SERVICES; s += 1) {
    const r = decide(states[s] as ServiceDecisionState, { scores: inputs[s] as InstanceScoreInput[] }, nowMs);
    next[s] = r.state;
    if (r.decision !== null) cyclePublished += 1;
    cycleChanges += r.changes.length;
  }
  const elapsed = performance.now() - t0;
  const cpu = process.cpuUsage(c0);
  states = next;
  if (cycle >= WARMUP) {
    timings.push(elapsed);
    cpuTimings.push((cpu.user + cpu.system) / 1_000);
    published += cyclePublished;
    changes += cycleChanges;
  }
}

const quantile = (values: number[]) => {
  const sorted = [...values].sort((a, b) => a - b);
  return (p: number): number => sorted[Math.min(sorted.length - 1, Math.floor(p * (sorted.length - 1)))] as number;
};
const q = quantile(timings);
const qc = quantile(cpuTimings);
const out = {
  services: SERVICES,
  instancesPerService: INSTANCES,
  cycles: CYCLES,
  msPerCycle: { p50: +q(0.5).toFixed(2), p99: +q(0.99).toFixed(2), max: +q(1).toFixed(2) },
  cpuMsPerCycle: { p50: +qc(0.5).toFixed(2), p99: +qc(0.99).toFixed(2) },
  usPerInstance: { p50: +((q(0.5) * 1_000) / (SERVICES * INSTANCES)).toFixed(3) },
  decisionsPublishedPerCycle: +(published / CYCLES).toFixed(1),
  changesPerCycle: +(changes / CYCLES).toFixed(1),
  node: process.version,
};
console.log(`decision cycle, ${SERVICES} services x ${INSTANCES} instances, ${CYCLES} cycles after ${WARMUP} warm-up:`);
console.log(`  ms per cycle p50 ${out.msPerCycle.p50}  p99 ${out.msPerCycle.p99}  max ${out.msPerCycle.max}`);
console.log(`  cpu ms per cycle p50 ${out.cpuMsPerCycle.p50}  p99 ${out.cpuMsPerCycle.p99}`);
console.log(JSON.stringify(out));
