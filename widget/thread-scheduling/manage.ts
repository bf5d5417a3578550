// The manage step, opened by a patient's private link (PUBLIC_URL/manage#<secret>, or #thread-manage=<secret>
// on the practice's own page): a chunk of its own beside widget.js (widget-manage-<hash>.js), which a page
// that only books never fetches.
import afterPickStyles from './after-pick.styles.js';
import manageStyles from './manage.styles.js';

export { ManageController } from './manage-controller.js';
/** The facts and done step's rules (after-pick.styles.ts) and the manage step's own. */
export const styles = [afterPickStyles, manageStyles];
