// Sans-IO scheduler for `vrrp_script` blocks: when to run each script, when a run has timed out,
// and what the rise/fall hysteresis makes of the results. Execution is a port (ScriptRunner in
// src/runtime/ports.ts); results come back through handleResult and status changes come out as
// actions that the driver turns into TrackChange inputs for the instances.
//
// keepalived (vrrp_scheduler.c vrrp_script_thread / vrrp_script_child_thread):
//  - a script runs every `interval` (default 1 s); a run still going at the next tick is skipped;
//  - it must finish within `timeout` (default = interval), else it is killed and counts as failure;
//  - exit 0 = success, anything else (non-zero, signal, timeout) = failure. Exec failures exit 0
//    in keepalived (issue #2126), so a runner that cannot exec should report exit code 0 to match;
//  - hysteresis: a counter in 0..rise+fall-1, OK while >= rise. Success below rise-1 counts up;
//    from rise-1 it jumps to the top (now OK). Failure above rise counts down; from rise or below
//    it drops to 0 (now failed). So `rise` successes bring a failed script up and `fall` failures
//    bring an OK one down;
//  - init_fail: the script starts failed; otherwise it starts OK and its FIRST result decides
//    directly (keepalived's SCRIPT_INIT_STATE handling).

import type { DurationUs, Instant } from '../base/time.ts';

export interface ScriptSpec {
  readonly name: string;
  /** argv as written in `script "..."` (the runner decides how to exec it). */
  readonly command: string;
  readonly intervalUs: DurationUs;
  readonly timeoutUs: DurationUs;
  readonly rise: number;
  readonly fall: number;
  readonly initFail: boolean;
}

export type ScriptOutcome =
  | { readonly kind: 'exited'; readonly code: number }
  | { readonly kind: 'signaled'; readonly signal: string };

export type ScriptAction =
  | { readonly kind: 'run'; readonly runId: number; readonly script: ScriptSpec }
  | { readonly kind: 'kill'; readonly runId: number; readonly script: ScriptSpec }
  | { readonly kind: 'status'; readonly name: string; readonly ok: boolean };

interface ScriptState {
  readonly spec: ScriptSpec;
  nextRunAt: Instant | undefined;
  running: { runId: number; deadline: Instant } | undefined;
  /** keepalived vscript->result; undefined = no result yet (INIT). */
  result: number | undefined;
  ok: boolean;
}

export class ScriptScheduler {
  private readonly scripts = new Map<string, ScriptState>();
  private readonly byRun = new Map<number, ScriptState>();
  private readonly actions: ScriptAction[] = [];
  private nextRunId: number;

  /**
   * `carried`: statuses from before a reload, so a reload does not reset rise/fall;
   * `firstRunId`: continue the previous scheduler's numbering so run ids never repeat in a port.
   */
  constructor(specs: readonly ScriptSpec[], carried: ReadonlyMap<string, boolean> = new Map(), firstRunId = 1) {
    this.nextRunId = firstRunId;
    for (const spec of specs) {
      const was = carried.get(spec.name);
      const ok = was ?? !spec.initFail;
      const result = was === undefined ? (spec.initFail ? 0 : undefined) : was ? spec.rise + spec.fall - 1 : 0;
      this.scripts.set(spec.name, { spec, nextRunAt: undefined, running: undefined, result, ok });
    }
  }

  /** Current status of a script (unknown names count as OK). */
  status(name: string): boolean {
    return this.scripts.get(name)?.ok ?? true;
  }

  /** The id the next run will get (hand it to a replacing scheduler). */
  get followingRunId(): number {
    return this.nextRunId;
  }

  names(): string[] {
    return [...this.scripts.keys()];
  }

  start(now: Instant): void {
    for (const s of this.scripts.values()) s.nextRunAt = now;
  }

  stop(): void {
    for (const s of this.scripts.values()) {
      if (s.running) this.actions.push({ kind: 'kill', runId: s.running.runId, script: s.spec });
      this.byRun.delete(s.running?.runId ?? -1);
      s.running = undefined;
      s.nextRunAt = undefined;
    }
  }

  handleTimeout(now: Instant): void {
    for (const s of this.scripts.values()) {
      if (s.running && s.running.deadline <= now) {
        this.actions.push({ kind: 'kill', runId: s.running.runId, script: s.spec });
        this.byRun.delete(s.running.runId);
        s.running = undefined;
        this.record(s, false);
      }
      if (s.nextRunAt !== undefined && s.nextRunAt <= now) {
        s.nextRunAt = now + s.spec.intervalUs;
        if (s.running) continue; // "already running, expect idle - skipping run"
        const runId = this.nextRunId++;
        s.running = { runId, deadline: now + s.spec.timeoutUs };
        this.byRun.set(runId, s);
        this.actions.push({ kind: 'run', runId, script: s.spec });
      }
    }
  }

  /** A run finished; results of runs already timed out or unknown are ignored. */
  handleResult(_now: Instant, runId: number, outcome: ScriptOutcome): void {
    const s = this.byRun.get(runId);
    if (!s) return;
    this.byRun.delete(runId);
    s.running = undefined;
    this.record(s, outcome.kind === 'exited' && outcome.code === 0);
  }

  private record(s: ScriptState, success: boolean): void {
    const { rise, fall } = s.spec;
    const top = rise + fall - 1;
    if (s.result === undefined) {
      s.result = success ? top : 0;
    } else if (success) {
      if (s.result < rise - 1) s.result++;
      else s.result = top;
    } else {
      if (s.result > rise) s.result--;
      else s.result = 0;
    }
    const ok = s.result >= rise;
    if (ok !== s.ok) {
      s.ok = ok;
      this.actions.push({ kind: 'status', name: s.spec.name, ok });
    }
  }

  nextDeadline(): Instant | undefined {
    let min: Instant | undefined;
    for (const s of this.scripts.values()) {
      for (const at of [s.nextRunAt, s.running?.deadline]) {
        if (at !== undefined && (min === undefined || at < min)) min = at;
      }
    }
    return min;
  }

  pollAction(): ScriptAction | undefined {
    return this.actions.shift();
  }
}
