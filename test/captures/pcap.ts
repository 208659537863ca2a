// Classic libpcap files (https://www.tcpdump.org/manpages/pcap-savefile.5.html) for the tests:
// read captured frames with their timestamps, and write frames for tshark to decode.
//
// File header (24 bytes): magic 0xa1b2c3d4 (microseconds) or 0xa1b23c4d (nanoseconds), in the
// writer's byte order; version 2.4; thiszone; sigfigs; snaplen; link type (1 = Ethernet).
// Record header (16 bytes): ts seconds, ts fraction, captured length, original length.
//
// A damaged file (a record cut short and another spliced after it, as tshark reports with
// "appears to be damaged or corrupt") stops the strict reader with an error, like tshark.
// With `salvage` the reader resynchronises on the next plausible record header instead, and
// marks frames that were cut short or followed by stray bytes, so a test can still see every
// packet that is in the file.

export const LINKTYPE_ETHERNET = 1;

export interface PcapFrame {
  /** Microseconds since the epoch (nanosecond files are rounded down). */
  readonly tsUs: number;
  readonly data: Uint8Array;
  /** Length on the wire; > data.length when the capture was cut to the snap length. */
  readonly origLen: number;
  /** Byte offset of the record header in the file. */
  readonly offset: number;
  /** salvage only: the record's data was cut short by the next record header. */
  readonly cut?: boolean;
}

export interface PcapDamage {
  readonly offset: number;
  readonly what: string;
}

export interface PcapFile {
  readonly linkType: number;
  readonly snapLen: number;
  readonly frames: PcapFrame[];
  /** Strict: where reading stopped. Salvage: every place bytes were skipped or records were cut. */
  readonly damage: PcapDamage[];
}

const MAX_RECORD = 262144; // libpcap's maximum snapshot length

interface Layout { le: boolean; nanos: boolean }

function layoutOf(bytes: Uint8Array): Layout | undefined {
  if (bytes.length < 24) return undefined;
  const v = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  for (const le of [true, false]) {
    const m = v.getUint32(0, le);
    if (m === 0xa1b2c3d4) return { le, nanos: false };
    if (m === 0xa1b23c4d) return { le, nanos: true };
  }
  return undefined;
}

export function readPcap(bytes: Uint8Array, opts: { salvage?: boolean } = {}): PcapFile {
  const layout = layoutOf(bytes);
  if (!layout) throw new Error('not a classic pcap file (bad magic)');
  const v = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  const { le, nanos } = layout;
  const snapLen = v.getUint32(16, le);
  const linkType = v.getUint32(20, le) & 0x0fffffff;
  const frames: PcapFrame[] = [];
  const damage: PcapDamage[] = [];
  let firstSec: number | undefined;

  // A header that could be real: sane fraction and lengths, and (once one is known) a time
  // within a day of the first record.
  const plausible = (off: number): boolean => {
    if (off + 16 > bytes.length) return false;
    const sec = v.getUint32(off, le);
    const frac = v.getUint32(off + 4, le);
    const capLen = v.getUint32(off + 8, le);
    const origLen = v.getUint32(off + 12, le);
    if (frac >= (nanos ? 1e9 : 1e6)) return false;
    if (capLen > MAX_RECORD || capLen > origLen || origLen > MAX_RECORD) return false;
    if (firstSec !== undefined && Math.abs(sec - firstSec) > 86400) return false;
    return true;
  };
  // ...and whose record ends exactly at the end of the file or at another plausible header.
  const chained = (off: number): boolean => {
    if (!plausible(off)) return false;
    const end = off + 16 + v.getUint32(off + 8, le);
    return end === bytes.length || plausible(end);
  };
  const push = (off: number, end: number, cut: boolean): void => {
    const sec = v.getUint32(off, le);
    const frac = v.getUint32(off + 4, le);
    firstSec ??= sec;
    frames.push({
      tsUs: sec * 1e6 + (nanos ? Math.floor(frac / 1000) : frac),
      data: bytes.slice(off + 16, end),
      origLen: v.getUint32(off + 12, le),
      offset: off,
      ...(cut ? { cut: true } : {}),
    });
  };

  let off = 24;
  while (off < bytes.length) {
    if (!plausible(off) || off + 16 + v.getUint32(off + 8, le) > bytes.length) {
      if (!opts.salvage) {
        damage.push({ offset: off, what: off + 16 > bytes.length ? 'partial record header' : 'implausible record header' });
        break;
      }
      let next = off + 1;
      while (next < bytes.length && !chained(next)) next++;
      damage.push({ offset: off, what: `skipped ${next - off} bytes to the next record header` });
      off = next;
      continue;
    }
    const end = off + 16 + v.getUint32(off + 8, le);
    if (opts.salvage && end !== bytes.length && !plausible(end)) {
      // Either this record was cut short by a record spliced into it, or stray bytes follow it.
      let inner = off + 16;
      while (inner < end && !chained(inner)) inner++;
      if (inner < end) {
        damage.push({ offset: off, what: `record cut after ${inner - off - 16} of ${end - off - 16} bytes` });
        push(off, inner, true);
        off = inner;
        continue;
      }
    }
    push(off, end, false);
    off = end;
  }
  return { linkType, snapLen, frames, damage };
}

/** Little-endian, microsecond timestamps, version 2.4, snap length 262144. */
export function writePcap(frames: readonly { tsUs: number; data: Uint8Array; origLen?: number }[], linkType = LINKTYPE_ETHERNET): Uint8Array {
  const size = 24 + frames.reduce((n, f) => n + 16 + f.data.length, 0);
  const out = new Uint8Array(size);
  const v = new DataView(out.buffer);
  v.setUint32(0, 0xa1b2c3d4, true);
  v.setUint16(4, 2, true);
  v.setUint16(6, 4, true);
  v.setUint32(8, 0, true);
  v.setUint32(12, 0, true);
  v.setUint32(16, MAX_RECORD, true);
  v.setUint32(20, linkType, true);
  let off = 24;
  for (const f of frames) {
    v.setUint32(off, Math.floor(f.tsUs / 1e6), true);
    v.setUint32(off + 4, f.tsUs % 1e6, true);
    v.setUint32(off + 8, f.data.length, true);
    v.setUint32(off + 12, f.origLen ?? f.data.length, true);
    out.set(f.data, off + 16);
    off += 16 + f.data.length;
  }
  return out;
}
