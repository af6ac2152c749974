import { ApiAccessClient } from './ApiAccessClient';

describe('ApiAccessClient.listGrants', () => {
  it('follows the cursor of the paged GET /grants', async () => {
    const urls: string[] = [];
    const pages: Record<string, object> = {
      '': { items: [{ id: 'g3' }, { id: 'g2' }], nextCursor: 'c1' },
      c1: { items: [{ id: 'g1' }] },
    };
    const client = new ApiAccessClient({
      discoveryApi: { getBaseUrl: async () => 'http://backend/api/api-access' },
      fetchApi: {
        fetch: async (url: any) => {
          urls.push(url);
          const cursor = new URL(String(url)).searchParams.get('cursor') ?? '';
          return {
            ok: true,
            json: async () => pages[cursor],
          } as any;
        },
      },
    });
    const grants = await client.listGrants({ apiRef: 'api:default/pets' });
    expect(grants.map(grant => grant.id)).toEqual(['g3', 'g2', 'g1']);
    expect(urls).toEqual([
      'http://backend/api/api-access/grants?apiRef=api%3Adefault%2Fpets&limit=200',
      'http://backend/api/api-access/grants?apiRef=api%3Adefault%2Fpets&limit=200&cursor=c1',
    ]);
  });
});
