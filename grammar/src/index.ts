// keepalived-conf-parser: keepalived.conf syntax. See types.ts for the tree contract.
export type * from './types.ts';
