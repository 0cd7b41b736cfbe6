import { loadConfig } from '../../src/config';
import { cachedBacklog, operationLabel, type Backlog } from '../../src/observability/metrics';
import { tracingRequested } from '../../src/observability/tracing';
import { outcomeOf } from '../../src/server/operation-metrics';

describe('tracing is requested by the standard variables', () => {
  test.each([
    [{}, false],
    [{ OTEL_EXPORTER_OTLP_ENDPOINT: 'http://collector:4318' }, true],
    [{ OTEL_EXPORTER_OTLP_TRACES_ENDPOINT: 'http://collector:4318/v1/traces' }, true],
    [{ OTEL_TRACES_EXPORTER: 'otlp' }, true],
    [{ OTEL_TRACES_EXPORTER: 'console' }, true],
    [{ OTEL_TRACES_EXPORTER: 'none', OTEL_EXPORTER_OTLP_ENDPOINT: 'http://collector:4318' }, false],
    [{ OTEL_SDK_DISABLED: 'true', OTEL_EXPORTER_OTLP_ENDPOINT: 'http://collector:4318' }, false],
    [{ OTEL_EXPORTER_OTLP_ENDPOINT: ' ' }, false],
  ])('%j → %s', (env, on) => {
    expect(tracingRequested(env)).toBe(on);
  });
});

test('operation names become label values only when plain, short, and among the first 500', () => {
  expect(operationLabel(null)).toBe('anonymous');
  expect(operationLabel('')).toBe('anonymous');
  expect(operationLabel('Realms')).toBe('Realms');
  expect(operationLabel('A'.repeat(64))).toBe('A'.repeat(64));
  expect(operationLabel('A'.repeat(65))).toBe('other');
  expect(operationLabel('not a name')).toBe('other');
  expect(operationLabel('name"} 1\nevil')).toBe('other');
  for (let index = 0; index < 600; index++) operationLabel(`Generated${index}`);
  expect(operationLabel('OneTooMany')).toBe('other');
  // Names already seen keep their value.
  expect(operationLabel('Realms')).toBe('Realms');
});

test('an outcome is "ok" or the first error’s code, never an arbitrary string', () => {
  expect(outcomeOf(undefined)).toBe('ok');
  expect(outcomeOf([])).toBe('ok');
  expect(outcomeOf([{ message: 'x', extensions: { code: 'NOT_FOUND' } }, { message: 'y', extensions: { code: 'FORBIDDEN' } }])).toBe('NOT_FOUND');
  expect(outcomeOf([{ message: 'x', extensions: { code: 'made up by someone' } }])).toBe('other');
  expect(outcomeOf([{ message: 'x' }])).toBe('other');
});

test('the backlog is read at most once per TTL, and a failed read is not kept', async () => {
  let now = 0;
  let reads = 0;
  let fail = false;
  const backlog: Backlog = { emailsQueued: 1, webhookEndpointsBehind: 0, webhookEventsBehind: 0, webhookEndpointsPaused: 0 };
  const read = cachedBacklog(
    async () => {
      reads += 1;
      if (fail) throw new Error('database unavailable');
      return backlog;
    },
    5000,
    () => now,
  );
  await Promise.all([read(), read(), read()]);
  expect(reads).toBe(1);
  now = 4999;
  await read();
  expect(reads).toBe(1);
  now = 5000;
  fail = true;
  await expect(read()).rejects.toThrow('database unavailable');
  fail = false;
  await read();
  expect(reads).toBe(3);
});

describe('METRICS_PORT', () => {
  test('unset: no metrics endpoint', () => {
    expect(loadConfig({}).metrics).toBeUndefined();
  });
  test('set: on HOST unless METRICS_HOST says', () => {
    expect(loadConfig({ METRICS_PORT: '9464' }).metrics).toEqual({ port: 9464, host: '0.0.0.0' });
    expect(loadConfig({ METRICS_PORT: '9464', HOST: '10.0.0.5' }).metrics).toEqual({ port: 9464, host: '10.0.0.5' });
    expect(loadConfig({ METRICS_PORT: '9464', METRICS_HOST: '127.0.0.1' }).metrics).toEqual({ port: 9464, host: '127.0.0.1' });
  });
  test('the API’s port is refused, with a message naming the variable', () => {
    expect(() => loadConfig({ PORT: '4000', METRICS_PORT: '4000' })).toThrow(/METRICS_PORT must differ from PORT/);
    expect(() => loadConfig({ METRICS_PORT: 'metrics' })).toThrow(/METRICS_PORT must be a whole number/);
  });
  test('ACCESS_LOG is on unless false', () => {
    expect(loadConfig({}).accessLog).toBe(true);
    expect(loadConfig({ ACCESS_LOG: 'false' }).accessLog).toBe(false);
    expect(() => loadConfig({ ACCESS_LOG: 'off' })).toThrow(/ACCESS_LOG must be "true" or "false"/);
  });
});
