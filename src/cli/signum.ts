// `--signum=NAME`: keepalived prints the signal number it uses for each function, so scripts
// can `kill -s $(keepalived --signum=RELOAD)`. The numbers are Linux's (keepalived 2.2.7,
// keepalived/core/main.c get_signum): JSON is SIGRTMIN+2 = 36 with glibc's SIGRTMIN of 34.
export const SIGNALS: Readonly<Record<string, number>> = {
  STOP: 15, // SIGTERM
  RELOAD: 1, // SIGHUP
  DATA: 10, // SIGUSR1
  STATS: 12, // SIGUSR2
  STATS_CLEAR: 63, // SIGRTMAX-1: as `keepalived --signum=STATS_CLEAR` prints on Debian 12
  JSON: 36, // SIGRTMIN+2
};

export function signum(name: string): number | undefined {
  return SIGNALS[name.toUpperCase()];
}
