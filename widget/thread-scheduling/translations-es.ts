import type { Translation } from './translations.js';

// Spanish, in a chunk of its own: English pages never fetch it (translations.ts).
export const es: Translation = {
  title: 'Reserve una cita',
  loading: 'Cargando horarios disponibles…',
  chooseLocation: 'Consultorio',
  chooseTime: 'Elija un horario',
  timesIn: (zone) => `Horarios en ${zone}.`,
  noTimes: (days) =>
    `No hay horarios disponibles en los próximos ${days} días. Vuelva a consultar pronto o llame al consultorio.`,
  noTimesHere: (location, days) =>
    `${location} no tiene horarios disponibles en los próximos ${days} días. Elija otro consultorio o llame.`,
  retry: 'Intentar de nuevo',
  moreDays: 'Mostrar más días',
  allRequired: 'Todos los campos son obligatorios.',
  selectedTime: 'Su cita',
  holdFor: 'Reservado para usted durante',
  heldAnnouncement: (when, minutes) =>
    `${when} está reservado para usted. Complete sus datos en menos de ${minutes} minutos.`,
  timeLeft: (seconds) =>
    seconds >= 60
      ? `Quedan ${Math.round(seconds / 60)} minutos para confirmar su cita.`
      : `Quedan ${seconds} segundos para confirmar su cita.`,
  askForMoreTime: '¿Necesita más? Elija «Más tiempo».',
  moreTime: 'Más tiempo',
  timeAdded: (minutes) => `Tiempo añadido: el horario queda reservado para usted durante ${minutes} minutos.`,
  noMoreTime: 'Este horario ya no se puede reservar por más tiempo. Confirme antes de que termine la cuenta atrás.',
  holdExpired: 'Se acabó el tiempo de reserva de ese horario. Elija un horario de nuevo.',
  slotTaken:
    'Lo sentimos, otra persona acaba de reservar ese horario. Estos son los horarios que siguen disponibles.',
  changeTime: 'Elegir otro horario',
  yourDetails: 'Sus datos',
  fields: {
    first_name: 'Nombre',
    last_name: 'Apellido',
    email: 'Correo electrónico',
    phone: 'Teléfono',
    date_of_birth: 'Fecha de nacimiento',
  },
  confirm: 'Confirmar cita',
  confirming: 'Reservando…',
  fixFields: (count) =>
    count === 1 ? 'Corrija 1 campo.' : `Corrija ${count} campos.`,
  fieldErrors: {
    required: 'Complete este campo.',
    too_long: 'Es demasiado largo.',
    in_future: 'La fecha de nacimiento no puede ser futura.',
    too_old: 'Revise el año de nacimiento.',
    invalid: {
      first_name: 'Revise el nombre.',
      last_name: 'Revise el apellido.',
      email: 'Escriba un correo como nombre@ejemplo.com.',
      phone: 'Escriba un teléfono de al menos 7 dígitos.',
      date_of_birth: 'Escriba una fecha válida.',
    },
  },
  booked: 'Su cita está reservada',
  bookedIntro: 'Su cita está confirmada. Le esperamos.',
  date: 'Fecha',
  time: 'Hora',
  where: 'Dónde',
  addToCalendar: 'Añadir al calendario',
  calendarSummary: (location) => `Cita en ${location}`,
  manageTitle: 'Su cita',
  manageLink: 'Cambiar o cancelar esta cita',
  manageLinkHint: 'Este enlace es privado: quien lo tenga puede cambiar o cancelar su cita. También está en el archivo de calendario.',
  calendarManage: (url) => `Para cambiar o cancelar esta cita: ${url}`,
  reasons: {
    site_not_registered:
      'La reserva en línea aún no está configurada para este sitio web. Llame al consultorio para reservar.',
    location_not_allowed:
      'La reserva en línea no está configurada para este consultorio. Llame para reservar.',
    unknown_location: 'No encontramos este consultorio. Llame para reservar.',
    too_many_holds:
      'Ya tiene varios horarios reservados. Termine una reserva o vuelva a intentarlo en unos minutos.',
    upstream_unavailable:
      'La reserva en línea no está disponible ahora. Vuelva a intentarlo en unos minutos.',
  },
  rateLimited: (seconds) =>
    seconds
      ? `Demasiados intentos. Espere ${seconds} segundos e inténtelo de nuevo.`
      : 'Demasiados intentos. Espere un momento e inténtelo de nuevo.',
  missingLocations:
    'La reserva en línea no está bien configurada en esta página. Llame al consultorio para reservar.',
  network:
    'No pudimos conectar con el servicio de reservas. Revise su conexión e inténtelo de nuevo.',
  generic: 'Algo salió mal. Inténtelo de nuevo.',
};
