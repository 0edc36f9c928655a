// The ECS agent's task metadata endpoint (v4) for the task simulation, run inside the VPC network namespace
// (metadata.ts starts it there; a Node process cannot enter a namespace itself, hence a separate script).
// Usage: node metadata-server.mjs <address> <port>. Documents arrive on stdin, one JSON line each:
//   {"path": "/v4/<container id>", "body": {...}}  -> answered on GET <path>; acknowledged with "stored <path>".
// https://docs.aws.amazon.com/AmazonECS/latest/developerguide/task-metadata-endpoint-v4.html
import { createServer } from 'node:http';
import { createInterface } from 'node:readline';

const [address, port] = process.argv.slice(2);
const documents = new Map();

createInterface({ input: process.stdin }).on('line', (line) => {
  const { path, body } = JSON.parse(line);
  documents.set(path, JSON.stringify(body));
  process.stdout.write(`stored ${path}\n`);
});
const server = createServer((request, response) => {
  const body = documents.get(request.url.replace(/\/$/, ''));
  process.stdout.write(`${request.method} ${request.url} ${body ? 200 : 404}\n`);
  response.writeHead(body ? 200 : 404, { 'Content-Type': 'application/json' });
  response.end(body ?? '{"error":"not found"}');
});
server.listen(Number(port), address, () => process.stdout.write(`listening on ${address}:${port}\n`));
// The test process went away: so does the endpoint (closing the listener lets the process end).
process.stdin.on('end', () => {
  server.close();
  server.closeAllConnections();
});
