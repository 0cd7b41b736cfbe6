import { readFile } from 'node:fs/promises';
import path from 'node:path';
import { readmeExamples } from '../../scripts/readme-examples';

describe('the GraphiQL tabs read from the README', () => {
  test('one tab per ```graphql block, with a skeleton of its required variables', () => {
    const readme = [
      'Text.',
      '```graphql',
      'mutation A($realmId: ID!, $n: Int!) { a }',
      'query B($realmId: ID!, $maybe: ID, $input: SomeInput!) { b }',
      '```',
      '```js',
      'not graphql',
      '```',
      '```graphql',
      '{ realms { totalCount } }',
      '```',
    ].join('\n');
    expect(readmeExamples(readme)).toEqual([
      {
        query: 'mutation A($realmId: ID!, $n: Int!) { a }\nquery B($realmId: ID!, $maybe: ID, $input: SomeInput!) { b }\n',
        variables: JSON.stringify({ realmId: '', n: 0, input: {} }, null, 2),
      },
      { query: '{ realms { totalCount } }\n' },
    ]);
  });

  test('the README has the examples the playground opens with, a subscription among them', async () => {
    const tabs = readmeExamples(await readFile(path.join(__dirname, '../../README.md'), 'utf8'));
    const operations = tabs.flatMap((tab) => [...tab.query.matchAll(/^(query|mutation|subscription) (\w+)/gm)].map((match) => match[2]));
    expect(operations).toEqual(expect.arrayContaining(['CreateRealm', 'NestedRead', 'SearchIdentities', 'Invite', 'WatchMemberships']));
  });
});
