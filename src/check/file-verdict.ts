// FILE_CHECK: the number in a tracked file, read as keepalived's track_file.c reads it, and what
// it does to a real server (track_file.c update_track_file_status /
// process_update_checker_track_file_status).
//
// Reading: at most the first 127 bytes, strtol(buf, NULL, 0): leading white space, optional sign,
// base from the prefix (0x hex, leading 0 octal, else decimal), digits up to the first non-digit;
// no digits = 0. A missing or empty file reads as 0. A value outside [INT32_MIN, INT32_MAX + 1] is
// logged and IGNORED (the previous value stands): we return undefined for it.
// Meaning: weight 0 -> a non-zero value is a failure (reversed: a zero value is);
// otherwise status = value * weight (* -1 when reversed) clamped to int32, and a status of
// INT32_MIN (IPVS_WEIGHT_FAULT) is a failure; any other status is added to the RS weight.

export const INT32_MIN = -2147483648;
export const INT32_MAX = 2147483647;

/** strtol(text, NULL, 0) over the first 127 bytes; undefined = out of range (ignored). */
export function parseTrackFileValue(content: string): number | undefined {
  const text = content.slice(0, 127);
  const m = /^[\t\n\v\f\r ]*([+-]?)(0[xX](?=[0-9a-fA-F])[0-9a-fA-F]*|0[0-7]*|[1-9][0-9]*)?/.exec(text);
  const sign = m?.[1] === '-' ? -1n : 1n;
  const digits = m?.[2];
  if (digits === undefined) return 0;
  let value: bigint;
  if (/^0[xX]/.test(digits)) value = BigInt('0x' + digits.slice(2));
  else if (digits.length > 1 && digits.startsWith('0')) value = BigInt('0o' + digits.slice(1));
  else value = BigInt(digits);
  value *= sign;
  // strtol saturates at LONG_MIN/LONG_MAX and sets ERANGE; keepalived then ignores the value,
  // exactly as it ignores an in-range long outside [INT32_MIN, INT32_MAX + 1].
  if (value < BigInt(INT32_MIN) || value > BigInt(INT32_MAX) + 1n) return undefined;
  return Number(value);
}

export interface FileVerdict {
  readonly up: boolean;
  /** Added to the real server's weight while up. */
  readonly weightDelta: number;
  readonly reason: string;
}

export function fileVerdict(value: number, weight: number, reverse: boolean): FileVerdict {
  if (weight === 0) {
    const failed = (value !== 0) !== reverse;
    return { up: !failed, weightDelta: 0, reason: `file value ${value}${reverse ? ' (reverse)' : ''}` };
  }
  let status = value * weight * (reverse ? -1 : 1);
  if (status < INT32_MIN) status = INT32_MIN;
  if (status > INT32_MAX) status = INT32_MAX;
  if (status === INT32_MIN) return { up: false, weightDelta: 0, reason: `file value ${value} x weight ${weight} is a fault` };
  return { up: true, weightDelta: status, reason: `file value ${value} x weight ${weight}${reverse ? ' reversed' : ''} = ${status}` };
}
