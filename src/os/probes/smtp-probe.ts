// SMTP_CHECK on Linux: a TCP connection driven by the pure SmtpDialogue (banner 220, HELO 250,
// QUIT 221; keepalived check_smtp.c). connect_timeout bounds the connect and every wait for a
// reply, as keepalived re-arms its timer on each read.

import net from 'node:net';
import type { ProbeSpec } from '../../check/checker-spec.ts';
import { SmtpDialogue } from '../../check/smtp-dialogue.ts';
import { type Cancel, type ProbeImpl, dialHost, errorReason, msFromUs } from './probe-impl.ts';

export type SmtpSpec = Extract<ProbeSpec, { kind: 'smtp' }>;

export const smtpProbe: ProbeImpl<SmtpSpec> = (spec, done): Cancel => {
  const c = spec.connect;
  const dialogue = new SmtpDialogue(spec.heloName);
  let finished = false;
  let phase = 'connect';
  const socket = net.connect({
    host: dialHost(c.host, c.bindIf),
    port: c.port,
    autoSelectFamily: false,
    ...(c.bindTo !== undefined ? { localAddress: c.bindTo } : {}),
    ...(c.bindPort !== undefined ? { localPort: c.bindPort } : {}),
  });
  socket.setEncoding('latin1');
  let timer: NodeJS.Timeout | undefined;
  const arm = () => {
    clearTimeout(timer);
    timer = setTimeout(() => finish({ kind: 'timeout', reason: `SMTP timeout waiting for ${phase}` }), msFromUs(c.timeoutUs));
  };
  const finish = (o: Parameters<typeof done>[0]) => {
    if (finished) return;
    finished = true;
    clearTimeout(timer);
    socket.destroy();
    done(o);
  };
  arm();
  socket.once('connect', () => {
    phase = 'the banner';
    arm();
  });
  socket.on('data', (text: string) => {
    const step = dialogue.receive(text);
    if (step.kind === 'send') {
      phase = step.text.startsWith('HELO') ? 'the HELO reply' : 'the QUIT reply';
      socket.write(step.text);
      arm();
    } else if (step.kind === 'done') {
      finish(step.ok ? { kind: 'ok', detail: 'SMTP dialogue complete' } : { kind: 'failed', reason: `SMTP: ${step.reason}` });
    }
  });
  socket.once('end', () => {
    const step = dialogue.closed();
    if (step.kind === 'done' && !step.ok) finish({ kind: 'failed', reason: `SMTP: ${step.reason}` });
  });
  socket.once('error', (e) => finish({ kind: 'failed', reason: `SMTP connection failed: ${errorReason(e)}` }));
  return () => {
    finished = true;
    clearTimeout(timer);
    socket.destroy();
  };
};
