// The parser: chevrotain EmbeddedActionsParser (no CST allocation) over the lexer's tokens.
//
//   document := piece*
//   piece    := '{' NL | '}' NL | atom+ NL
//
// The preprocessor already cut lines at braces (keepalived's read_line residue), so the grammar is
// flat; pairing braces into blocks, and the diagnostics for extra or missing ones, is the
// TreeBuilder's job, fed by the embedded actions in document order.
import { EmbeddedActionsParser, type IToken } from 'chevrotain';
import { allTokens, Atom, LBrace, Newline, RBrace } from './tokens.ts';
import type { TreeBuilder } from './tree-builder.ts';

export class ConfigParser extends EmbeddedActionsParser {
  builder: TreeBuilder | undefined;

  constructor() {
    super(allTokens, { recoveryEnabled: false, maxLookahead: 1 });
    this.performSelfAnalysis();
  }

  document = this.RULE('document', () => {
    this.MANY(() => {
      this.OR([
        {
          ALT: () => {
            const b = this.CONSUME(LBrace);
            this.CONSUME(Newline);
            this.ACTION(() => this.builder!.open(b));
          },
        },
        {
          ALT: () => {
            const b = this.CONSUME(RBrace);
            this.CONSUME2(Newline);
            this.ACTION(() => this.builder!.close(b));
          },
        },
        {
          ALT: () => {
            const atoms: IToken[] = [];
            this.AT_LEAST_ONE(() => {
              atoms.push(this.CONSUME(Atom));
            });
            const nl = this.CONSUME3(Newline);
            this.ACTION(() => this.builder!.statement(atoms, nl));
          },
        },
      ]);
    });
  });
}

let shared: ConfigParser | undefined;

/** One parser instance is reused (chevrotain's self-analysis is the expensive part). */
export function configParser(): ConfigParser {
  shared ??= new ConfigParser();
  return shared;
}
