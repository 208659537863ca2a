// keepalived-ts's own version, printed by -v and reported by the status command and the metrics.
export const VERSION = '0.1.0';
