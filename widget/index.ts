// Entry of dist/widget.js: registers <thread-scheduling>. A practice's site may
// load the script twice (two copies, two versions): the second define is a no-op.
import { ThreadScheduling } from './thread-scheduling/thread-scheduling.js';

export { ThreadScheduling };

export function define(
  tag = 'thread-scheduling',
  element: CustomElementConstructor = ThreadScheduling,
): void {
  if (!customElements.get(tag)) customElements.define(tag, element);
}

define();
