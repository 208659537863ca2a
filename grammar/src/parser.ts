// The parser: chevrotain EmbeddedActionsParser (no CST allocation) over the lexer's tokens.
//
//   document  := item*
//   item      := '{' | '}' | NL | statement
//   statement := atom+            (one keepalived "piece": ends at a brace or the end of line)
//
// Braces end a piece wherever they are, which is read_line()'s residue split. Pairing braces into
// blocks, and the diagnostics for extra or missing ones, is the TreeBuilder's job, fed by the
// embedded actions in document order. The alternatives are built once (chevrotain's advice for
// speed: no closures allocated per iteration).
import { EmbeddedActionsParser, type IToken } from 'chevrotain';
import { allTokens, Atom, LBrace, Newline, RBrace } from './tokens.ts';
import type { TreeBuilder } from './tree-builder.ts';

export class ConfigParser extends EmbeddedActionsParser {
  builder: TreeBuilder | undefined;

  constructor() {
    // skipValidations: the grammar is fixed and covered by tests; validation costs startup time
    super(allTokens, { recoveryEnabled: false, maxLookahead: 1, skipValidations: true });
    this.performSelfAnalysis();
  }

  private readonly items = [
    {
      ALT: (): void => {
        this.CONSUME(Newline);
      },
    },
    {
      ALT: (): void => {
        this.SUBRULE(this.statement);
      },
    },
    {
      ALT: (): void => {
        const b = this.CONSUME(LBrace);
        if (!this.RECORDING_PHASE) this.builder!.open(b);
      },
    },
    {
      ALT: (): void => {
        const b = this.CONSUME(RBrace);
        if (!this.RECORDING_PHASE) this.builder!.close(b);
      },
    },
  ];

  private atoms: IToken[] = [];
  private readonly atom = (): void => {
    this.atoms.push(this.CONSUME(Atom));
  };
  private readonly item = (): void => {
    this.OR(this.items);
  };

  statement = this.RULE('statement', () => {
    this.atoms = [];
    this.AT_LEAST_ONE(this.atom);
    if (!this.RECORDING_PHASE) this.builder!.statement(this.atoms);
  });

  document = this.RULE('document', () => {
    this.MANY(this.item);
  });
}

let shared: ConfigParser | undefined;

/** One parser instance is reused (chevrotain's self-analysis is the expensive part). */
export function configParser(): ConfigParser {
  shared ??= new ConfigParser();
  return shared;
}
