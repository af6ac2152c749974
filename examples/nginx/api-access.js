// njs for the api-access recipe (api-access-gateway.conf.template).
//
// keySha256: the decision cache is keyed by the SHA-256 of the presented key,
// in hex: never the key itself (nginx writes cache keys into its cache
// files), and exactly the hash api-access stores, so that api-access can
// name a revoked grant's entries without knowing its keys.
//
// purge: PURGE /_api_access_purge/<cache key, URL-encoded> removes that
// entry's file (nginx treats a missing file as a miss). The file is where
// nginx puts it for `levels=1:2`: <cache path>/<last hex digit of the MD5
// of the cache key>/<the two before it>/<the MD5>. Answers 200 when it
// removed one, 404 when there was none.
import crypto from 'crypto';
import fs from 'fs';

function keySha256(r) {
  const key = r.headersIn['X-Api-Key'] || '';
  return crypto.createHash('sha256').update(key).digest('hex');
}

function purge(r) {
  if (r.method !== 'PURGE') {
    r.return(405, 'PURGE only\n');
    return;
  }
  const key = decodeURIComponent(r.variables.api_access_purge_key || '');
  if (!/^[0-9a-f]{64} [^\/]*$/.test(key)) {
    r.return(400, 'expected /_api_access_purge/<sha256 hex>%20<scope>\n');
    return;
  }
  const md5 = crypto.createHash('md5').update(key).digest('hex');
  const file = `${r.variables.api_access_cache_path}/${md5.slice(31)}/${md5.slice(29, 31)}/${md5}`;
  try {
    fs.unlinkSync(file);
    r.return(200, 'purged\n');
  } catch (e) {
    r.return(e.code === 'ENOENT' ? 404 : 500, `${e.code || 'error'}\n`);
  }
}

export default { keySha256, purge };
