// HTTP_GET / SSL_GET: the request keepalived sends and the verdict on the response
// (keepalived check_http.c: http_request_thread builds the request, http_handle_response and
// epilog judge it). Order of the checks as in check_http.c: status code, then digest, then regex.
//   status_code  list of codes and ranges, default 200-299
//   digest       MD5 of the whole body, hex, as genhash prints it (compared ignoring case)
//   regex        searched in the body from regex_min_offset; a match must start at or before
//                regex_max_offset; regex_no_match inverts the sense. keepalived uses PCRE2, we
//                use JavaScript RegExp (same for the common subset: classes, anchors, groups).

import type { HttpProtocol, HttpUrlSpec } from './checker-spec.ts';

export const DEFAULT_STATUS_RANGES: readonly (readonly [number, number])[] = [[200, 299]];

/** Parses `status_code` words ("200", "200-299", "503"); undefined for a malformed word. */
export function parseStatusCodes(words: readonly string[]): (readonly [number, number])[] | undefined {
  const out: [number, number][] = [];
  for (const w of words) {
    const m = /^(\d{3})(?:-(\d{3}))?$/.exec(w);
    if (!m) return undefined;
    const lo = Number(m[1]);
    const hi = m[2] === undefined ? lo : Number(m[2]);
    if (lo < 100 || hi > 599 || hi < lo) return undefined;
    out.push([lo, hi]);
  }
  return out;
}

export function statusAccepted(status: number, ranges?: readonly (readonly [number, number])[]): boolean {
  const list = ranges && ranges.length > 0 ? ranges : DEFAULT_STATUS_RANGES;
  return list.some(([lo, hi]) => status >= lo && status <= hi);
}

export interface HttpRequestPlan {
  readonly method: 'GET';
  readonly path: string;
  /** Header names lower-case, in the order keepalived sends them. */
  readonly headers: readonly (readonly [string, string])[];
  /** HTTP/1.0 "1.0" without Connection: close keeps keepalived's bare request; we always close. */
  readonly closeConnection: boolean;
}

/** keepalived's request: User-Agent KeepAliveClient and Host (virtualhost, else the address). */
export function planHttpRequest(url: HttpUrlSpec, protocol: HttpProtocol, host: string, port: number, tls: boolean): HttpRequestPlan {
  const defaultPort = tls ? 443 : 80;
  const bare = host.includes(':') ? `[${host}]` : host;
  const hostHeader = url.virtualhost ?? (port === defaultPort ? bare : `${bare}:${port}`);
  const headers: [string, string][] = [['user-agent', 'KeepAliveClient'], ['host', hostHeader]];
  // 1.0C and 1.1 add "Connection: close" (man keepalived.conf, http_protocol).
  const closeConnection = protocol !== '1.0';
  return { method: 'GET', path: url.path || '/', headers, closeConnection };
}

export type HttpVerdict = { readonly ok: true; readonly detail: string } | { readonly ok: false; readonly reason: string };

export interface HttpResponseFacts {
  readonly status: number;
  /** MD5 of the body, hex (computed by the probe as the body streams in). */
  readonly bodyMd5: string;
  /** The body, when a regex needs it (latin1: one char per byte, so offsets are byte offsets). */
  readonly bodyText?: string;
}

/** Whether the probe must keep the body text for this url (only a regex needs it). */
export function needsBodyText(url: HttpUrlSpec): boolean {
  return url.regex !== undefined;
}

export function httpVerdict(url: HttpUrlSpec, r: HttpResponseFacts): HttpVerdict {
  if (!statusAccepted(r.status, url.statusRanges)) {
    return { ok: false, reason: `HTTP status code error, status_code [${r.status}]` };
  }
  if (url.digest !== undefined && url.digest.toLowerCase() !== r.bodyMd5.toLowerCase()) {
    return { ok: false, reason: `MD5 digest error: expected ${url.digest.toLowerCase()}, got ${r.bodyMd5}` };
  }
  if (url.regex !== undefined) {
    const matched = regexMatches(url, r.bodyText ?? '');
    if (matched === undefined) return { ok: false, reason: `invalid regex ${JSON.stringify(url.regex)}` };
    if (matched === !!url.regexNoMatch) {
      return { ok: false, reason: url.regexNoMatch ? 'regex matched (regex_no_match)' : 'regex did not match' };
    }
  }
  return { ok: true, detail: `status ${r.status}` };
}

/** undefined when the pattern does not compile (config input: never throw). */
export function regexMatches(url: HttpUrlSpec, body: string): boolean | undefined {
  let re: RegExp;
  try {
    re = new RegExp(url.regex ?? '', (url.regexFlags ?? '').replace(/[gy]/g, '') + 'g');
  } catch {
    return undefined;
  }
  re.lastIndex = url.regexMinOffset ?? 0;
  const m = re.exec(body);
  if (!m) return false;
  return url.regexMaxOffset === undefined || m.index <= url.regexMaxOffset;
}

/** keepalived `regex_options` names that have a JavaScript flag; others are ignored. */
export function regexFlagsFromOptions(options: readonly string[]): string {
  let flags = '';
  for (const o of options) {
    if (o === 'caseless') flags += 'i';
    else if (o === 'multiline') flags += 'm';
    else if (o === 'dotall') flags += 's';
    else if (o === 'utf' || o === 'ucp') flags += 'u';
  }
  return [...new Set(flags)].join('');
}
