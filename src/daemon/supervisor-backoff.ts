// How long the supervising parent waits before it respawns a worker that died (supervisor.ts).
//
// keepalived 2.2.7 respawns a dead child at once and logs "Restart of VRRP process delayed 0
// seconds to limit respawn rate" (its limiter only starts to bite after repeated deaths). We
// always wait, exponentially: 1 s, 2 s, 4 s ... capped at 30 s, so a worker that dies at start
// (an interface that cannot be opened, a bug on a particular packet) costs a few log lines per
// minute instead of a busy loop; a worker that ran for a minute or more was healthy, so its
// death starts the schedule again at 1 s. A pure function of the previous delay and the dead
// worker's uptime, so the schedule is tested without clocks (test/unit/daemon/supervisor-backoff).

export const RESPAWN_FIRST_DELAY_MS = 1_000;
export const RESPAWN_MAX_DELAY_MS = 30_000;
/** A worker that ran this long was healthy: the next delay is the first one again. */
export const RESPAWN_RESET_UPTIME_MS = 60_000;

/**
 * The delay before the next respawn.
 * @param previousDelayMs the delay used before the dead worker was started (undefined: it was the first worker)
 * @param uptimeMs how long the dead worker ran
 */
export function respawnDelayMs(previousDelayMs: number | undefined, uptimeMs: number): number {
  if (previousDelayMs === undefined || uptimeMs >= RESPAWN_RESET_UPTIME_MS) return RESPAWN_FIRST_DELAY_MS;
  return Math.min(Math.max(previousDelayMs, RESPAWN_FIRST_DELAY_MS / 2) * 2, RESPAWN_MAX_DELAY_MS);
}
