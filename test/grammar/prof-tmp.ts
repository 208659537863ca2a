import { parse } from 'keepalived-conf-parser';
import { nodeConfigFs } from '../../src/os/config-fs.ts';
import { generateBigConfig } from './generate-big-config.ts';
const text = generateBigConfig();
const o = { fs: nodeConfigFs, configId: 'x' };
let best = 1e9, bestWall = 1e9;
for (let k = 0; k < 12; k++) {
  const c0 = process.cpuUsage(); const t0 = performance.now(); parse(text, '/a.conf', o); const c = process.cpuUsage(c0);
  best = Math.min(best, (c.user + c.system) / 1000); bestWall = Math.min(bestWall, performance.now() - t0);
}
console.log('best cpu ms', best.toFixed(0), 'best wall', bestWall.toFixed(0));
