// Shell-like word splitting for script keywords comes from the grammar package (one splitter
// for the whole project: lib/parser.c alloc_strvec_quoted_escaped, man5 "Quoted strings").
export { splitShellWords, type ShellWords } from 'keepalived-conf-parser';
