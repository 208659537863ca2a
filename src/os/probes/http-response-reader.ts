// HttpResponseReader: the response side of a health-check HTTP exchange, fed the bytes as they
// arrive. It finds the status line and the headers, then hands on the body bytes: to the end of a
// Transfer-Encoding: chunked body (raw, framing included: see chunks()), up to Content-Length, or up to
// the end of the connection (HTTP/1.0 without a length, keepalived's own way: check_http.c reads
// until the server closes). It never throws on what the server sends: a malformed response is a
// `bad` result with the reason. Pure (no I/O), so a probe and a test drive it the same way.

/** Headers larger than this are not a health-check page: keepalived reads at most a few KiB. */
export const MAX_HEADER_BYTES = 64 * 1024;

export type FeedResult = 'more' | 'done' | { readonly bad: string };

const CRLF2 = Buffer.from('\r\n\r\n');

export class HttpResponseReader {
  status = 0;
  private head: Buffer | undefined;
  private inBody = false;
  /** Body bytes still expected (Content-Length), undefined = until EOF. */
  private left: number | undefined;
  private chunked = false;
  /** Chunked decoding: a partial size or CRLF line kept across reads. */
  private line = '';
  private chunkLeft = 0;
  private chunkPhase: 'size' | 'data' | 'crlf' | 'trailer' = 'size';
  private finished = false;

  constructor(private readonly onBody: (bytes: Buffer) => void) {}

  feed(bytes: Buffer): FeedResult {
    if (this.finished) return 'done';
    if (!this.inBody) {
      const all = this.head ? Buffer.concat([this.head, bytes]) : bytes;
      const end = all.indexOf(CRLF2);
      if (end < 0) {
        if (all.length > MAX_HEADER_BYTES) return { bad: `response headers larger than ${MAX_HEADER_BYTES} bytes` };
        this.head = all;
        return 'more';
      }
      this.head = undefined;
      const bad = this.headers(all.toString('latin1', 0, end));
      if (bad) return { bad };
      this.inBody = true;
      bytes = all.subarray(end + 4);
      if (this.left === 0) return this.done();
    }
    return this.chunked ? this.chunks(bytes) : this.plain(bytes);
  }

  /** The server closed the connection. */
  end(): FeedResult {
    if (this.finished) return 'done';
    if (!this.inBody) return { bad: 'connection closed before the response headers' };
    if (this.chunked) return { bad: 'connection closed inside a chunked body' };
    if (this.left !== undefined) return { bad: `connection closed ${this.left} byte(s) before the end of the body` };
    return this.done();
  }

  private done(): 'done' {
    this.finished = true;
    return 'done';
  }

  private headers(text: string): string | undefined {
    const lines = text.split('\r\n');
    const m = /^HTTP\/\d\.\d (\d{3})(?: |$)/.exec(lines[0] ?? '');
    if (!m) return `bad status line ${JSON.stringify((lines[0] ?? '').slice(0, 80))}`;
    this.status = Number(m[1]);
    for (let i = 1; i < lines.length; i++) {
      const l = lines[i]!;
      const colon = l.indexOf(':');
      if (colon <= 0) continue;
      const name = l.slice(0, colon).trim().toLowerCase();
      const value = l.slice(colon + 1).trim();
      if (name === 'transfer-encoding' && /(^|,)\s*chunked\s*$/i.test(value)) this.chunked = true;
      else if (name === 'content-length') {
        if (!/^\d+$/.test(value)) return `bad Content-Length ${JSON.stringify(value.slice(0, 40))}`;
        this.left = Number(value);
      }
    }
    // RFC 9112 section 6.3: chunked wins over Content-Length; 1xx, 204 and 304 have no body.
    if (this.chunked) this.left = undefined;
    if (this.status === 204 || this.status === 304 || this.status < 200) this.left = 0;
    return undefined;
  }

  private plain(bytes: Buffer): FeedResult {
    if (this.left === undefined) {
      if (bytes.length > 0) this.onBody(bytes);
      return 'more';
    }
    const take = Math.min(this.left, bytes.length);
    if (take > 0) this.onBody(take === bytes.length ? bytes : bytes.subarray(0, take));
    this.left -= take;
    return this.left === 0 ? this.done() : 'more';
  }

  /**
   * Chunked framing is followed only to find the end of the body: the bytes handed on are the raw
   * ones, framing included, because that is what keepalived digests (genhash prints the MD5 of
   * everything after the headers: test/check/http-response.test.ts checks it against genhash).
   */
  private chunks(bytes: Buffer): FeedResult {
    let i = 0;
    const emit = (end: number): void => { if (end > 0) this.onBody(end === bytes.length ? bytes : bytes.subarray(0, end)); };
    while (i < bytes.length) {
      if (this.chunkPhase === 'data') {
        const take = Math.min(this.chunkLeft, bytes.length - i);
        i += take;
        this.chunkLeft -= take;
        if (this.chunkLeft === 0) this.chunkPhase = 'crlf';
        continue;
      }
      const nl = bytes.indexOf(10, i);
      const piece = bytes.toString('latin1', i, nl < 0 ? bytes.length : nl + 1);
      i = nl < 0 ? bytes.length : nl + 1;
      this.line += piece;
      if (this.line.length > 4096) return { bad: 'chunk line too long' };
      if (nl < 0) break;
      const line = this.line.replace(/\r?\n$/, '');
      this.line = '';
      if (this.chunkPhase === 'crlf') {
        if (line !== '') return { bad: 'missing CRLF after a chunk' };
        this.chunkPhase = 'size';
      } else if (this.chunkPhase === 'size') {
        const m = /^([0-9a-fA-F]{1,12})\s*(;.*)?$/.exec(line);
        if (!m) return { bad: `bad chunk size ${JSON.stringify(line.slice(0, 40))}` };
        this.chunkLeft = parseInt(m[1]!, 16);
        this.chunkPhase = this.chunkLeft === 0 ? 'trailer' : 'data';
      } else if (line === '') {
        emit(i);
        return this.done(); // the empty line after the last chunk's trailers
      }
    }
    emit(bytes.length);
    return 'more';
  }
}
