import { scopesFromDefinition } from './definitionScopes';

describe('scopesFromDefinition', () => {
  it('reads OpenAPI 3 OAuth flows', () => {
    const definition = `
openapi: 3.0.0
components:
  securitySchemes:
    oauth:
      type: oauth2
      flows:
        authorizationCode:
          scopes:
            read:pets: read your pets
            write:pets: modify pets
        clientCredentials:
          scopes:
            read:pets: read your pets
            admin: everything
`;
    expect(scopesFromDefinition(definition)).toEqual([
      'read:pets',
      'write:pets',
      'admin',
    ]);
  });

  it('reads Swagger 2 security definitions, JSON included', () => {
    const definition = JSON.stringify({
      swagger: '2.0',
      securityDefinitions: {
        spotify: {
          type: 'oauth2',
          scopes: { 'user-read-email': 'x', 'playlist-modify': 'y' },
        },
      },
    });
    expect(scopesFromDefinition(definition)).toEqual([
      'user-read-email',
      'playlist-modify',
    ]);
  });

  it.each([
    ['no definition', undefined],
    ['a definition without security schemes', 'openapi: 3.0.0\npaths: {}\n'],
    ['a GraphQL schema', 'type Query { hello: String }'],
    ['broken YAML', 'openapi: [unclosed'],
    ['a scalar document', '42'],
  ])('returns nothing for %s', (_name, definition) => {
    expect(scopesFromDefinition(definition)).toEqual([]);
  });
});
