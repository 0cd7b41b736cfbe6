/**
 * Monaco (GraphiQL's editor) runs its language services in web workers. The build bundles each
 * worker into its own file next to graphiql.js (scripts/build-web.ts), so they load from this
 * server like everything else. Imported before GraphiQL, so it is set before any editor exists.
 */
const workers: Record<string, string> = { graphql: 'graphql.worker.js', json: 'json.worker.js' };

(globalThis as unknown as { MonacoEnvironment: { getWorker(workerId: string, label: string): Worker } }).MonacoEnvironment = {
  getWorker: (_workerId, label) => new Worker(new URL(`./${workers[label] ?? 'editor.worker.js'}`, import.meta.url)),
};

export {};
