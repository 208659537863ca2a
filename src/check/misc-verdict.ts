// MISC_CHECK exit-status rules (keepalived check_misc.c misc_check_child_thread):
//   exit 0                      success, weight back to the configured weight
//   exit 1                      failure
//   exit 2..255 with misc_dynamic  success, real-server weight = status - 2 (range 0..253)
//   exit 2..255 without it      failure
//   killed by a signal / timeout  failure
// The weight is reported as the checker's contribution (status - 2 - configured weight), so that
// with several MISC/FILE checkers the contributions add up as the man page describes.

export interface MiscVerdict {
  readonly ok: boolean;
  /** With misc_dynamic and success: the absolute weight the status asks for; undefined = configured. */
  readonly dynamicWeight?: number;
  readonly reason: string;
}

export function miscVerdict(code: number | null, signal: string | null | undefined, dynamic: boolean): MiscVerdict {
  if (code === null) return { ok: false, reason: `killed by ${signal ?? 'a signal'}` };
  if (code === 0) return { ok: true, reason: 'exited with status 0' };
  if (dynamic && code >= 2 && code <= 255) {
    return { ok: true, dynamicWeight: code - 2, reason: `exited with status ${code} (weight ${code - 2})` };
  }
  return { ok: false, reason: `exited with status ${code}` };
}
