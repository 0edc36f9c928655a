// An S3-compatible server (s3rver) for the task simulation, run inside the VPC network namespace (s3.ts starts it
// there; a Node process cannot enter a namespace itself, hence a separate script). It holds one bucket and behaves
// as S3 does for a private bucket: a request without a signature is refused (Block Public Access, no public
// policy), and a Signature Version 4 signature, in the Authorization header or in a presigned URL's query, must be
// the one the task role's credentials make (key, secret and session token), unexpired. s3rver itself accepts any
// V4 signature of a key it knows, and anonymous requests: the checks here are made before it sees the request.
// Usage: node s3-server.mjs <address> <port> <directory> <bucket> <access key id> <secret access key> <session token>
// Each request is logged as "<method> <path> auth=<header|query|none> acl=<x-amz-acl or -> <status>".
// https://docs.aws.amazon.com/AmazonS3/latest/API/sig-v4-authenticating-requests.html
import { createHash, createHmac } from 'node:crypto';
import { createRequire } from 'node:module';

const require = createRequire(import.meta.url);
const S3rver = require('s3rver');
const { DUMMY_ACCOUNT } = require('s3rver/lib/models/account');

const [address, port, directory, bucket, accessKeyId, secretAccessKey, sessionToken] = process.argv.slice(2);
DUMMY_ACCOUNT.createKeyPair(accessKeyId, secretAccessKey);

const sha256 = (text) => createHash('sha256').update(text).digest('hex');
const hmac = (key, text) => createHmac('sha256', key).update(text).digest();
const encode = (text) => encodeURIComponent(text).replace(/[!'()*]/g, (character) => `%${character.charCodeAt(0).toString(16).toUpperCase()}`);

/** The query's pairs as sent, decoded. */
function queryPairs(url) {
  const query = url.includes('?') ? url.slice(url.indexOf('?') + 1) : '';
  return query
    .split('&')
    .filter(Boolean)
    .map((pair) => {
      const at = pair.indexOf('=');
      const [key, value] = at < 0 ? [pair, ''] : [pair.slice(0, at), pair.slice(at + 1)];
      return [decodeURIComponent(key.replace(/\+/g, ' ')), decodeURIComponent(value.replace(/\+/g, ' '))];
    });
}

/** The signature of a request as S3 computes it (canonical request, string to sign, signing key). */
function expectedSignature({ method, url, headers, signedHeaders, payloadHash, amzDate, scope, exclude }) {
  const path = url.split('?')[0];
  const query = queryPairs(url)
    .filter(([key]) => key !== exclude)
    .map(([key, value]) => [encode(key), encode(value)])
    .sort(([a, x], [b, y]) => (a < b ? -1 : a > b ? 1 : x < y ? -1 : x > y ? 1 : 0))
    .map(([key, value]) => `${key}=${value}`)
    .join('&');
  const canonicalHeaders = signedHeaders.map((name) => `${name}:${String(headers[name] ?? '').trim().replace(/\s+/g, ' ')}\n`).join('');
  const canonicalRequest = [method, path, query, canonicalHeaders, signedHeaders.join(';'), payloadHash].join('\n');
  const stringToSign = ['AWS4-HMAC-SHA256', amzDate, scope, sha256(canonicalRequest)].join('\n');
  const [date, region, service, terminator] = scope.split('/');
  const key = [date, region, service, terminator].reduce((signing, part) => hmac(signing, part), `AWS4${secretAccessKey}`);
  return createHmac('sha256', key).update(stringToSign).digest('hex');
}

/** Why S3 would refuse the request, or undefined. */
function refusal(request) {
  const { method, url, headers } = request;
  const query = Object.fromEntries(queryPairs(url));
  let signed;
  if (headers.authorization) {
    const match = /^AWS4-HMAC-SHA256 Credential=([^/]+)\/([^,]+), *SignedHeaders=([^,]+), *Signature=([0-9a-f]+)$/.exec(headers.authorization);
    if (!match) return ['AccessDenied', 'not a Signature Version 4 Authorization header'];
    signed = {
      key: match[1],
      scope: match[2],
      signedHeaders: match[3].split(';'),
      signature: match[4],
      amzDate: headers['x-amz-date'],
      token: headers['x-amz-security-token'],
      payloadHash: headers['x-amz-content-sha256'] ?? 'UNSIGNED-PAYLOAD',
    };
  } else if (query['X-Amz-Algorithm']) {
    const [key, ...scope] = String(query['X-Amz-Credential'] ?? '').split('/');
    const expires = Date.parse(String(query['X-Amz-Date']).replace(/^(\d{4})(\d\d)(\d\d)T(\d\d)(\d\d)(\d\d)Z$/, '$1-$2-$3T$4:$5:$6Z')) + Number(query['X-Amz-Expires']) * 1000;
    if (!(expires > Date.now())) return ['AccessDenied', 'Request has expired'];
    signed = {
      key,
      scope: scope.join('/'),
      signedHeaders: String(query['X-Amz-SignedHeaders'] ?? '').split(';'),
      signature: query['X-Amz-Signature'],
      amzDate: query['X-Amz-Date'],
      token: query['X-Amz-Security-Token'],
      payloadHash: 'UNSIGNED-PAYLOAD',
      exclude: 'X-Amz-Signature',
    };
  } else return ['AccessDenied', 'Access Denied'];
  if (signed.key !== accessKeyId) return ['InvalidAccessKeyId', 'The AWS Access Key Id you provided does not exist in our records.'];
  if (signed.token !== sessionToken) return ['InvalidToken', 'The provided token is malformed or otherwise invalid.'];
  const expected = expectedSignature({ method, url, headers, ...signed });
  if (signed.signature !== expected) return ['SignatureDoesNotMatch', 'The request signature we calculated does not match the signature you provided.'];
  return undefined;
}

const server = new S3rver({ address, port: Number(port), directory, silent: true, configureBuckets: [{ name: bucket }], vhostBuckets: false });
server.middleware.unshift(async (ctx, next) => {
  const auth = ctx.headers.authorization ? 'header' : /[?&]X-Amz-Algorithm=/.test(ctx.originalUrl) ? 'query' : 'none';
  const refused = refusal({ method: ctx.method, url: ctx.originalUrl, headers: ctx.headers });
  if (refused) {
    ctx.status = 403;
    ctx.type = 'application/xml';
    ctx.body = `<?xml version="1.0" encoding="UTF-8"?>\n<Error><Code>${refused[0]}</Code><Message>${refused[1]}</Message></Error>`;
  } else await next();
  process.stdout.write(`${ctx.method} ${ctx.path} auth=${auth} acl=${ctx.headers['x-amz-acl'] ?? '-'} ${ctx.status}\n`);
});
await server.run();
process.stdout.write(`listening on ${address}:${port}\n`);
// The test process went away: so does the server.
process.stdin.on('end', () => void server.close());
process.stdin.resume();
