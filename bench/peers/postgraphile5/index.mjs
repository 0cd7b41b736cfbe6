/**
 * What bench/servers/postgraphile5.mjs needs from PostGraphile v5, resolved from this folder's own
 * node_modules (a bare 'postgraphile' in bench/servers/ would be v4).
 */
export { default as pg } from 'pg';
export { postgraphile } from 'postgraphile';
export { PostGraphileAmberPreset } from 'postgraphile/presets/amber';
export { makeV4Preset } from 'postgraphile/presets/v4';
export { makePgService } from 'postgraphile/adaptors/pg';
export { grafserv } from 'postgraphile/grafserv/node';
export { default as postgraphileVersion } from './node_modules/postgraphile/package.json' with { type: 'json' };
