// Where the tests find things. The shared material (reference, corpus, captures, tools) sits
// beside the repository as ../shared, in a developer's tree and in CI's fresh clone alike.
import { resolve, dirname } from 'node:path';
import { fileURLToPath } from 'node:url';

export const REPO_ROOT = resolve(dirname(fileURLToPath(import.meta.url)), '../..');
export const SHARED = process.env.KTS_SHARED ?? resolve(REPO_ROOT, '../shared');
export const CORPUS = resolve(SHARED, 'corpus');
export const CAPTURES = resolve(SHARED, 'captures');
export const TOOLS = resolve(SHARED, 'tools');
