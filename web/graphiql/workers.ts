/**
 * Monaco (GraphiQL's editor) runs its language services in web workers. The build bundles each
 * worker into its own file next to the page's script, named after its contents, and gives their
 * names here (scripts/build-web.ts), so they load from this server like everything else. Imported
 * before GraphiQL, so it is set before any editor exists.
 */
declare const MONACO_WORKERS: { editor: string; json: string; graphql: string };

const byLabel: Record<string, string> = { graphql: MONACO_WORKERS.graphql, json: MONACO_WORKERS.json };

(globalThis as unknown as { MonacoEnvironment: { getWorker(workerId: string, label: string): Worker } }).MonacoEnvironment = {
  getWorker: (_workerId, label) => new Worker(new URL(`./${byLabel[label] ?? MONACO_WORKERS.editor}`, import.meta.url)),
};

export {};
