// Model pieces shared by every block. The model's keys are keepalived's own keywords (snake_case)
// so a JSON dump of a config reads like the config itself; values are typed: numbers, booleans,
// durations in seconds (decimal, microsecond resolution, as read_timer reads them), addresses as
// canonical strings (src/base/ip.ts formatIp: dotted quad, RFC 5952 IPv6).

/** Where a block or item was written, for messages from later layers (runtime, reload diff). */
export interface Origin {
  readonly file: string;
  readonly line: number;
}

/**
 * A script keyword (notify*, script, misc_path, quorum_up...), split as keepalived splits it
 * (notify.c notify_script_init): the first shell word is the command line, itself split into
 * argv; the next words are `user [group]` (or `user:group`).
 */
export interface ScriptCommand {
  /** The command line as keepalived ran it through its shell-like splitter (first word). */
  readonly command: string;
  readonly argv: readonly string[];
  readonly user?: string;
  readonly group?: string;
}

/** `FILE [user [group]]` of the *_fifo keywords. */
export interface FifoSpec {
  readonly path: string;
  readonly user?: string;
  readonly group?: string;
}

/** Shallow mutable copy of a model type, what keyword handlers fill before it is frozen. */
export type Draft<T> = { -readonly [K in keyof T]: T[K] };
