import { createHash } from 'node:crypto';
import { oauth2LookupHash } from './lookupHash';

describe('oauth2LookupHash', () => {
  it('is sha256 hex of the type, the issuer and the client id, NUL-separated', () => {
    const expected = createHash('sha256')
      .update('oauth2-client\u0000https://idp.example\u0000client-1')
      .digest('hex');
    expect(oauth2LookupHash('https://idp.example', 'client-1')).toBe(expected);
    expect(expected).toMatch(/^[0-9a-f]{64}$/);
  });

  it('differs by issuer and by client id', () => {
    const a = oauth2LookupHash('https://idp.example', 'client-1');
    expect(oauth2LookupHash('https://other.example', 'client-1')).not.toBe(a);
    expect(oauth2LookupHash('https://idp.example', 'client-2')).not.toBe(a);
    expect(oauth2LookupHash('https://idp.example/', 'client-1')).not.toBe(a);
  });
});
