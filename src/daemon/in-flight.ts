// Counts operations that have started and not yet reported back, and lets shutdown wait
// (bounded) until none is left. The daemon's address port chains a route change and an address
// change through callbacks; waiting on one socket's own queue missed the part not yet queued
// (the removal of a VIP after its routes), which then ran on a closed socket (EBADF).
export class InFlight {
  private count = 0;
  private waiters: Array<() => void> = [];

  /** Marks one operation started; call the returned function exactly once when it ends. */
  begin(): () => void {
    this.count++;
    let ended = false;
    return () => {
      if (ended) return;
      ended = true;
      if (--this.count === 0) for (const w of this.waiters.splice(0)) w();
    };
  }

  get pending(): number { return this.count; }

  /** Resolves when nothing is in flight, or after timeoutMs. */
  idle(timeoutMs: number): Promise<void> {
    if (this.count === 0) return Promise.resolve();
    return new Promise((resolve) => {
      const t = setTimeout(resolve, timeoutMs);
      this.waiters.push(() => { clearTimeout(t); resolve(); });
    });
  }
}
