// Seeded randomized failover scenarios (DESIGN section 5). The seed range is printed first; a
// failing seed prints the command that replays exactly that run, plus the scenario log.
//   SIM_SEED=<first seed> SIM_SEEDS=<count> node --import tsx --test test/sim/random.test.ts
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { runRandomScenario } from '../../src/sim/random-scenario.ts';

const count = Number(process.env.SIM_SEEDS ?? 100);
const base = process.env.SIM_SEED !== undefined ? Number(process.env.SIM_SEED) : Math.floor(Math.random() * 1_000_000_000);
console.log(`random VRRP scenarios: seeds ${base}..${base + count - 1} (replay: SIM_SEED=${base} SIM_SEEDS=${count})`);

test(`${count} seeded random scenarios hold the invariants after every event`, () => {
  const started = performance.now();
  let events = 0;
  let checks = 0;
  let failovers = 0;
  for (let seed = base; seed < base + count; seed++) {
    const r = runRandomScenario(seed);
    events += r.eventsRun;
    checks += r.electionChecks;
    failovers += r.failovers;
    if (r.violations.length > 0) {
      assert.fail(
        `seed ${seed} violated invariants:\n${r.violations.slice(0, 5).map((v) => `  ${(v.at / 1e6).toFixed(6)}s after ${v.after}: ${v.message}`).join('\n')}\n` +
        `scenario:\n  ${r.log.join('\n  ')}\nreplay: SIM_SEED=${seed} SIM_SEEDS=1 node --import tsx --test test/sim/random.test.ts`,
      );
    }
    assert.ok(r.electionChecks > 0, `seed ${seed}: the election invariant was never checked`);
  }
  const ms = performance.now() - started;
  console.log(`${count} scenarios, ${events} events, ${failovers} transitions to MASTER, ${checks} stable election checks in ${ms.toFixed(0)} ms (${(count / (ms / 1000)).toFixed(0)} scenarios/s)`);
});
