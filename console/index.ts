// Entry of dist/console/console.js: the practice console's page script. Never loaded by the widget,
// which a practice's patients load; this one only practice staff load, at /console.
import { ThreadConsole } from './thread-console/thread-console.js';

if (!customElements.get('thread-console')) customElements.define('thread-console', ThreadConsole);
