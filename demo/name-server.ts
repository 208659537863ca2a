// A demo real server: answers every HTTP request (the checkers' /health included) with 200 and
// its own name, so the client can count which server each request reached.
//   node name-server.mjs NAME PORT      prints "listening" once it accepts connections
import { createServer } from 'node:http';

const [name, port] = process.argv.slice(2);
if (!name || !port) throw new Error('usage: name-server NAME PORT');
createServer((_req, res) => {
  res.setHeader('connection', 'close');
  res.end(name);
}).listen(Number(port), () => process.stdout.write('listening\n'));
process.on('SIGTERM', () => process.exit(0));
