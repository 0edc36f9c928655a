// The ECS agent's task metadata endpoint (v4): for the task simulation, run inside the VPC network namespace
// (metadata.ts starts it there; a Node process cannot enter a namespace itself, hence a separate script); for the
// tests that run the project's processes on this machine, on 127.0.0.1.
// Usage: node metadata-server.mjs <address> <port> (port 0: a free one, which "listening on" names). Commands arrive on stdin, one JSON line each:
//   {"path": "/v4/<container id>", "body": {...}}  -> answered on GET <path>; acknowledged with "stored <path>".
//   {"fail": <count>}  -> the next <count> requests (every request when <count> is -1) get a 500, as an endpoint
//                         that is failing; {"fail": 0} ends that. Acknowledged with "failing <count>".
// Each request is logged as "<method> <url> <status>".
// https://docs.aws.amazon.com/AmazonECS/latest/developerguide/task-metadata-endpoint-v4.html
import { createServer } from 'node:http';
import { createInterface } from 'node:readline';

const [address, port] = process.argv.slice(2);
const documents = new Map();
let failing = 0;

createInterface({ input: process.stdin }).on('line', (line) => {
  const command = JSON.parse(line);
  if ('fail' in command) {
    failing = Number(command.fail);
    process.stdout.write(`failing ${failing}\n`);
    return;
  }
  documents.set(command.path, JSON.stringify(command.body));
  process.stdout.write(`stored ${command.path}\n`);
});
const server = createServer((request, response) => {
  if (failing !== 0) {
    if (failing > 0) failing--;
    process.stdout.write(`${request.method} ${request.url} 500\n`);
    response.writeHead(500, { 'Content-Type': 'application/json' });
    response.end('{"error":"internal server error"}');
    return;
  }
  const body = documents.get(request.url.replace(/\/$/, ''));
  process.stdout.write(`${request.method} ${request.url} ${body ? 200 : 404}\n`);
  response.writeHead(body ? 200 : 404, { 'Content-Type': 'application/json' });
  response.end(body ?? '{"error":"not found"}');
});
server.listen(Number(port), address, () => process.stdout.write(`listening on ${address}:${server.address().port}\n`));
// The test process went away: so does the endpoint (closing the listener lets the process end).
process.stdin.on('end', () => {
  server.close();
  server.closeAllConnections();
});
