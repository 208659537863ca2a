// Script keywords (install_keyword_quoted in keepalived): re-read the statement's raw `rest`
// shell-like, then split as notify.c notify_script_init does: word 1 = command line (itself split
// into argv), word 2 = user or `user:group`, word 3 = group.
import type { Statement } from 'keepalived-conf-parser';
import type { ConfigContext } from './config-context.ts';
import type { FifoSpec, ScriptCommand } from './model-common.ts';
import { splitShellWords } from './shell-words.ts';

export function readScriptCommand(ctx: ConfigContext, stmt: Statement): ScriptCommand | undefined {
  const { words, error } = splitShellWords(stmt.rest);
  if (error !== undefined) {
    ctx.error('bad-quoting', { ...stmt.restPos, col: stmt.restPos.col + error.offset }, `'${stmt.keyword.text}': ${error.message}`);
    return undefined;
  }
  const command = words[0];
  if (command === undefined || command === '') {
    ctx.error('missing-value', stmt.keyword, `no ${stmt.keyword.text} script specified`);
    return undefined;
  }
  const split = splitShellWords(command);
  const argv = split.error === undefined && split.words.length > 0 ? split.words : [command];
  const out: { command: string; argv: readonly string[]; user?: string; group?: string } = { command, argv: [...argv] };
  let user = words[1];
  let group = words[2];
  if (user !== undefined && user.includes(':')) {
    const [u, g] = user.split(':', 2);
    user = u;
    if (g) group = g;
  } else if (group !== undefined && group.startsWith(':')) {
    group = group.slice(1);
  }
  ctx.scripts.push(user ? { pos: stmt.keyword.pos, keyword: stmt.keyword.text, argv0: argv[0] ?? command, user } : { pos: stmt.keyword.pos, keyword: stmt.keyword.text, argv0: argv[0] ?? command });
  if (user) out.user = user;
  if (group) out.group = group;
  if (words.length > 3) {
    ctx.warn('extra-arguments', stmt.restPos, `'${stmt.keyword.text}': words after 'user group' ignored`, 'quote the whole command: "cmd arg1 arg2"');
  }
  return out;
}

/** readScriptCommand, tagging the script with the process/object that would run it. */
export function readOwnedScript(ctx: ConfigContext, stmt: Statement, owner: string): ScriptCommand | undefined {
  const before = ctx.scripts.length;
  const v = readScriptCommand(ctx, stmt);
  const entry = ctx.scripts[before];
  if (entry) entry.owner = owner;
  return v;
}

export function readFifo(ctx: ConfigContext, stmt: Statement): FifoSpec | undefined {
  const path = stmt.args[0];
  if (path === undefined) {
    ctx.error('missing-value', stmt.keyword, `'${stmt.keyword.text}' needs a fifo path`);
    return undefined;
  }
  const out: { path: string; user?: string; group?: string } = { path: path.text };
  if (stmt.args[1]) out.user = stmt.args[1].text;
  if (stmt.args[2]) out.group = stmt.args[2].text;
  return out;
}
