// Mocha's globals, as @web/test-runner provides them in the browser (the repo
// has no @types/mocha; these are the few the widget's tests use).
declare function describe(name: string, body: () => void): void;
declare function it(name: string, body: () => unknown): void;
declare function beforeEach(body: () => unknown): void;
declare function afterEach(body: () => unknown): void;
