// src/config: keepalived.conf meaning. See build-config.ts for the theory of operation.
export { buildConfig, type BuildOptions, type BuildResult } from './build-config.ts';
export { configTestExitCode, type ConfigTestExit } from './exit-code.ts';
export type { HostFacts } from './host-facts.ts';
export type * from './model.ts';
export { allKeywordNames } from './all-keywords.ts';
