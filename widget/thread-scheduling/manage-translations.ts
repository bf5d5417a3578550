import type { Language } from './translations.js';

/** The strings of the manage step only, in its own chunk (manage.ts): a page that books never fetches them. */
export interface ManageTranslation {
  loading: string;
  yourAppointment: string;
  /** When it can no longer be changed online. */
  changeableUntil: (when: string) => string;
  changeTime: string;
  cancelAppointment: string;
  pastCutoff: string;
  contactPractice: string;
  website: string;
  cancelledByPractice: string;
  cancelQuestion: string;
  cancelExplain: string;
  confirmCancel: string;
  keepIt: string;
  cancelling: string;
  cancelled: string;
  cancelledIntro: string;
  bookAgain: string;
  chooseNewTime: string;
  keepTime: string;
  noOtherTimes: (days: number) => string;
  moveQuestion: string;
  from: string;
  to: string;
  confirmMove: string;
  chooseAnother: string;
  moving: string;
  moved: string;
  movedIntro: string;
  addNewToCalendar: string;
  invalid: string;
  slotTaken: string;
  busy: string;
}

const en: ManageTranslation = {
  loading: 'Loading your appointment…',
  yourAppointment: 'Appointment details',
  changeableUntil: (when) => `You can change or cancel it online until ${when}.`,
  changeTime: 'Change time',
  cancelAppointment: 'Cancel appointment',
  pastCutoff: 'Your appointment starts soon, so it can no longer be changed or cancelled online.',
  contactPractice: 'To change or cancel it, please contact the practice:',
  website: 'Visit the practice’s website',
  cancelledByPractice: 'This appointment is no longer booked. Please contact the practice if this is unexpected:',
  cancelQuestion: 'Cancel this appointment?',
  cancelExplain: 'Its time will be offered to other patients. This cannot be undone.',
  confirmCancel: 'Yes, cancel it',
  keepIt: 'No, keep it',
  cancelling: 'Cancelling…',
  cancelled: 'Your appointment is cancelled',
  cancelledIntro: 'Its time is free for someone else now. We hope to see you another time.',
  bookAgain: 'Book another time',
  chooseNewTime: 'Choose a new time',
  keepTime: 'Keep my current time',
  noOtherTimes: (days) => `There are no other open times in the next ${days} days. Please contact the practice.`,
  moveQuestion: 'Move your appointment?',
  from: 'From',
  to: 'To',
  confirmMove: 'Move appointment',
  chooseAnother: 'Choose another time',
  moving: 'Moving…',
  moved: 'Your appointment is moved',
  movedIntro: 'Your new time is confirmed and your old time is given back. Your private link works for the new time.',
  addNewToCalendar: 'Add the new time to calendar',
  invalid:
    'This link is no longer valid. It may have been used to cancel the appointment, or the appointment has passed. Please contact the practice if you need help.',
  slotTaken: 'Sorry, someone else just took that time. Please choose another.',
  busy: 'Your appointment is being changed in another window. Please try again in a moment.',
};

const es: ManageTranslation = {
  loading: 'Cargando su cita…',
  yourAppointment: 'Detalles de la cita',
  changeableUntil: (when) => `Puede cambiarla o cancelarla en línea hasta el ${when}.`,
  changeTime: 'Cambiar horario',
  cancelAppointment: 'Cancelar cita',
  pastCutoff: 'Su cita empieza pronto, así que ya no se puede cambiar ni cancelar en línea.',
  contactPractice: 'Para cambiarla o cancelarla, comuníquese con el consultorio:',
  website: 'Visitar el sitio web del consultorio',
  cancelledByPractice: 'Esta cita ya no está reservada. Comuníquese con el consultorio si no lo esperaba:',
  cancelQuestion: '¿Cancelar esta cita?',
  cancelExplain: 'Su horario se ofrecerá a otros pacientes. No se puede deshacer.',
  confirmCancel: 'Sí, cancelarla',
  keepIt: 'No, mantenerla',
  cancelling: 'Cancelando…',
  cancelled: 'Su cita está cancelada',
  cancelledIntro: 'Su horario queda libre para otra persona. Esperamos verle en otra ocasión.',
  bookAgain: 'Reservar otro horario',
  chooseNewTime: 'Elija un horario nuevo',
  keepTime: 'Mantener mi horario actual',
  noOtherTimes: (days) => `No hay otros horarios disponibles en los próximos ${days} días. Comuníquese con el consultorio.`,
  moveQuestion: '¿Cambiar su cita?',
  from: 'De',
  to: 'A',
  confirmMove: 'Cambiar cita',
  chooseAnother: 'Elegir otro horario',
  moving: 'Cambiando…',
  moved: 'Su cita está cambiada',
  movedIntro: 'Su nuevo horario está confirmado y el anterior queda libre. Su enlace privado sirve para el nuevo horario.',
  addNewToCalendar: 'Añadir el nuevo horario al calendario',
  invalid:
    'Este enlace ya no es válido. Puede que se haya usado para cancelar la cita o que la cita ya haya pasado. Comuníquese con el consultorio si necesita ayuda.',
  slotTaken: 'Lo sentimos, otra persona acaba de tomar ese horario. Elija otro.',
  busy: 'Su cita se está cambiando en otra ventana. Inténtelo de nuevo en un momento.',
};

export const manageStrings: Record<Language, ManageTranslation> = { en, es };
