// What only the steps after a pick need: the held time's controller, the proof of work a hold costs, the sign-up checks,
// the calendar file, and the styles of the held time, the form and the booked step. Vite emits it
// as a chunk beside widget.js (widget-after-pick-<hash>.js): the first screen does not wait for
// it; the element asks for it once the times are on screen, and a pick waits for it if need be.
export { solve } from './proof.js';
export { MAX_LENGTH, checkSignUp, isoDay } from './sign-up.js';
export { appointmentUid, calendarFile } from './ics.js';
export { default as styles } from './after-pick.styles.js';
export { HoldController } from './hold-controller.js';
