// SMTP_CHECK as a sans-IO dialogue (keepalived check_smtp.c): read the banner (220), send
// "HELO <helo_name>", expect 250, send "QUIT", expect 221. Replies may be multi-line
// ("250-..." continued, "250 ..." last, RFC 5321 section 4.2.1); only the final line's code counts.
// The probe feeds received bytes and writes what `send` returns; it never interprets SMTP itself.

export type SmtpStep =
  | { readonly kind: 'continue' }
  | { readonly kind: 'send'; readonly text: string }
  | { readonly kind: 'done'; readonly ok: true }
  | { readonly kind: 'done'; readonly ok: false; readonly reason: string };

type Phase = 'banner' | 'helo' | 'quit' | 'finished';

/** A reply longer than this without an end is a broken server, not a slow one. */
const MAX_REPLY_BYTES = 16 * 1024;

export class SmtpDialogue {
  private phase: Phase = 'banner';
  private buffer = '';

  constructor(private readonly heloName: string) {}

  /** Feed received text (latin1); returns what to do next. */
  receive(chunk: string): SmtpStep {
    if (this.phase === 'finished') return { kind: 'continue' };
    this.buffer += chunk;
    for (;;) {
      const nl = this.buffer.indexOf('\n');
      if (nl < 0) {
        if (this.buffer.length > MAX_REPLY_BYTES) return this.fail('reply line too long');
        return { kind: 'continue' };
      }
      const line = this.buffer.slice(0, nl).replace(/\r$/, '');
      this.buffer = this.buffer.slice(nl + 1);
      const m = /^(\d{3})([ -]|$)/.exec(line);
      if (!m) return this.fail(`malformed reply line ${JSON.stringify(line.slice(0, 80))}`);
      if (m[2] === '-') continue; // continuation line of a multi-line reply
      return this.onReply(Number(m[1]), line);
    }
  }

  /** The peer closed the connection before the dialogue finished. */
  closed(): SmtpStep {
    if (this.phase === 'finished') return { kind: 'continue' };
    return this.fail(`connection closed while waiting for the ${this.phase} reply`);
  }

  private onReply(code: number, line: string): SmtpStep {
    switch (this.phase) {
      case 'banner':
        if (code !== 220) return this.fail(`bad banner: ${line}`);
        this.phase = 'helo';
        return { kind: 'send', text: `HELO ${this.heloName}\r\n` };
      case 'helo':
        if (code !== 250) return this.fail(`HELO refused: ${line}`);
        this.phase = 'quit';
        return { kind: 'send', text: 'QUIT\r\n' };
      case 'quit':
        if (code !== 221) return this.fail(`QUIT refused: ${line}`);
        this.phase = 'finished';
        return { kind: 'done', ok: true };
      case 'finished':
        return { kind: 'continue' };
    }
  }

  private fail(reason: string): SmtpStep {
    this.phase = 'finished';
    return { kind: 'done', ok: false, reason };
  }
}
