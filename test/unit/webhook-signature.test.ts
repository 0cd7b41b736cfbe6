import { createHmac } from 'node:crypto';
import { newWebhookSecret, signature, signatureHeader } from '../../src/webhook/signature';
import { webhookRetryDelayMs } from '../../src/webhook/webhook-retry';

describe('Standard Webhooks signatures', () => {
  // The specification's example (standard-webhooks/standard-webhooks, spec/standard-webhooks.md; svix's docs).
  test('match the specification’s example', () => {
    expect(signature('whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw', 'msg_p5jXN8AQM9LWM0D4loKWxJek', 1614265330, '{"test": 2432232314}')).toBe(
      'v1,g0hM9SsE+OTPJTGt/tmIKtSyZlE3uFJELVlNIOLJ1OE=',
    );
  });

  test('are the HMAC-SHA256 of "<id>.<timestamp>.<body>" under the base64-decoded key', () => {
    const secret = newWebhookSecret();
    const key = Buffer.from(secret.slice('whsec_'.length), 'base64');
    expect(key).toHaveLength(32);
    const expected = createHmac('sha256', key).update('evt.1700000000.{"a":1}').digest('base64');
    expect(signature(secret, 'evt', 1700000000, '{"a":1}')).toBe(`v1,${expected}`);
  });

  test('during a rotation: one per secret, space-separated, the first secret’s first', () => {
    const [current, previous] = [newWebhookSecret(), newWebhookSecret()];
    expect(signatureHeader([current, previous], 'id', 1, 'b')).toBe(`${signature(current, 'id', 1, 'b')} ${signature(previous, 'id', 1, 'b')}`);
  });

  test('secrets are whsec_ and 32 random bytes', () => {
    expect(newWebhookSecret()).toMatch(/^whsec_[A-Za-z0-9+/]{43}=$/);
    expect(newWebhookSecret()).not.toBe(newWebhookSecret());
  });
});

describe('the retry schedule', () => {
  const schedule = [1000, 2000];
  test('the n-th failure waits the n-th delay, ±10 %', () => {
    expect(webhookRetryDelayMs(1, schedule, () => 0)).toBe(900);
    expect(webhookRetryDelayMs(1, schedule, () => 1)).toBe(1100);
    expect(webhookRetryDelayMs(2, schedule, () => 0.5)).toBe(2000);
  });

  test('runs out after the last delay', () => {
    expect(webhookRetryDelayMs(3, schedule)).toBeNull();
    expect(webhookRetryDelayMs(1, [])).toBeNull();
  });
});
