import { forbiddenAddress, parseWebhookUrl, resolveWebhookTarget, UnsafeWebhookUrl } from '../../src/webhook/url-safety';

describe('forbiddenAddress', () => {
  test.each([
    ['127.0.0.1', 'loopback'],
    ['127.255.0.9', 'loopback'],
    ['::1', 'loopback'],
    ['10.0.0.1', 'private'],
    ['172.16.0.1', 'private'],
    ['172.31.255.255', 'private'],
    ['192.168.1.1', 'private'],
    ['fc00::1', 'private'],
    ['fd12:3456::1', 'private'],
    ['169.254.1.1', 'link-local'],
    ['fe80::1', 'link-local'],
    ['169.254.169.254', 'metadata'],
    ['100.64.0.1', 'CGNAT'],
    ['100.127.255.254', 'CGNAT'],
    ['0.0.0.0', 'unspecified'],
    ['::', 'unspecified'],
    ['::ffff:127.0.0.1', 'loopback'],
    ['::ffff:10.0.0.1', 'private'],
    ['64:ff9b::a9fe:a9fe', 'metadata'],
    ['224.0.0.1', 'multicast'],
    ['255.255.255.255', 'broadcast'],
  ])('%s is refused (%s)', (address, kind) => {
    expect(forbiddenAddress(address)).toMatch(new RegExp(kind === 'metadata' ? 'metadata' : kind === 'CGNAT' ? 'CGNAT' : kind));
  });

  test.each(['93.184.215.14', '8.8.8.8', '172.32.0.1', '100.128.0.1', '2606:4700::1111', '::ffff:8.8.8.8'])('%s is allowed', (address) => {
    expect(forbiddenAddress(address)).toBeUndefined();
  });
});

describe('resolveWebhookTarget', () => {
  const resolver = (answers: Record<string, string[]>) => async (host: string) => (answers[host] ?? []).map((address) => ({ address, family: (address.includes(':') ? 6 : 4) as 4 | 6 }));

  test('every address a host resolves to must be public (the connection may take any)', async () => {
    const resolve = resolver({ 'mixed.example': ['93.184.215.14', '10.0.0.5'], 'public.example': ['93.184.215.14', '2606:4700::1111'] });
    await expect(resolveWebhookTarget(new URL('https://mixed.example/x'), false, resolve)).rejects.toThrow(/10\.0\.0\.5, a private address/);
    await expect(resolveWebhookTarget(new URL('https://public.example/x'), false, resolve)).resolves.toHaveLength(2);
  });

  test('allowed private networks let anything through', async () => {
    await expect(resolveWebhookTarget(new URL('http://127.0.0.1:9/x'), true)).resolves.toEqual([{ address: '127.0.0.1', family: 4 }]);
  });

  test('a host that does not resolve is refused', async () => {
    await expect(resolveWebhookTarget(new URL('https://nowhere.example/x'), false, resolver({}))).rejects.toBeInstanceOf(UnsafeWebhookUrl);
  });

  test('IPv6 literals are judged without DNS', async () => {
    await expect(resolveWebhookTarget(new URL('http://[::1]:80/'), false, resolver({}))).rejects.toThrow(/loopback/);
  });
});

describe('parseWebhookUrl', () => {
  test.each(['ftp://example.com/', 'example.com/hook', 'https://u:p@example.com/', 'https://example.com/#x', `https://example.com/${'a'.repeat(2040)}`])('refuses %s', (raw) => {
    expect(() => parseWebhookUrl(raw)).toThrow(UnsafeWebhookUrl);
  });

  test('takes http and https URLs', () => {
    expect(parseWebhookUrl('https://hooks.example.com/in?x=1').toString()).toBe('https://hooks.example.com/in?x=1');
    expect(parseWebhookUrl('http://hooks.example.com:8080/in').port).toBe('8080');
  });
});
