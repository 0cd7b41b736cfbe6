import { CreateGraph1795446061514 } from './1795446061514-CreateGraph';

/**
 * Every migration, in order. Listed rather than globbed so that the same list works compiled
 * (dist/) and under the test runner; test/unit/migrations.test.ts fails when a file is missing.
 */
export const migrations = [CreateGraph1795446061514];
