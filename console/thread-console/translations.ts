// Every string the console shows or announces, in English and Spanish. Dates and times are not
// here: Intl formats them in the console's language and each location's time zone.

export type Language = 'en' | 'es';

export interface ConsoleTranslation {
  /** For Intl: dates and times in this language. */
  locale: string;
  title: string;
  language: string;
  skipToContent: string;
  loading: string;
  signOut: string;
  signedOut: string;
  signInTitle: string;
  signInHelp: string;
  signInCommand: string;
  signingIn: string;
  linkUsed: string;
  linkExpired: string;
  linkUnknown: string;
  tooManySignIns: string;
  sessionEnded: string;
  networkError: string;
  sections: { locations: string; sites: string; snippet: string; appointments: string };
  sectionsLabel: string;
  // Locations
  locationsIntro: string;
  locationId: string;
  address: string;
  timeZone: string;
  copy: string;
  copyId: (name: string) => string;
  copied: (what: string) => string;
  copyFailed: string;
  noLocations: string;
  // Sites
  sitesIntro: string;
  siteOrigin: string;
  siteOriginHelp: string;
  addSite: string;
  remove: string;
  removeSite: (origin: string) => string;
  siteAdded: (origin: string) => string;
  siteRemoved: (origin: string) => string;
  siteRefused: (reason: string) => string;
  noSites: string;
  registeredSince: (date: string) => string;
  // Snippet builder
  snippetIntro: string;
  chooseLocations: string;
  chosenOrder: string;
  moveUp: (name: string) => string;
  moveDown: (name: string) => string;
  noneChosen: string;
  widgetLanguage: string;
  english: string;
  spanish: string;
  days: string;
  daysHelp: string;
  accent: string;
  accentHelp: string;
  accentLowContrast: (ratio: string) => string;
  pageAddress: string;
  pageAddressHelp: string;
  notRegistered: (origin: string) => string;
  registered: (origin: string) => string;
  notAnOrigin: string;
  snippet: string;
  copySnippet: string;
  snippetCopied: string;
  preview: string;
  previewNote: string;
  // Appointments
  appointmentsIntro: string;
  location: string;
  when: string;
  doctor: string;
  length: string;
  minutes: (n: number) => string;
  showSignUp: string;
  hideSignUp: string;
  signUpOf: (when: string) => string;
  noSignUp: string;
  signUpFields: { first_name: string; last_name: string; email: string; phone: string; date_of_birth: string };
  noAppointments: string;
  appointmentsCount: (n: number) => string;
  more: string;
  timesIn: (zone: string) => string;
}

export const en: ConsoleTranslation = {
  locale: 'en-US',
  title: 'Practice console',
  language: 'Language',
  skipToContent: 'Skip to content',
  loading: 'Loading…',
  signOut: 'Sign out',
  signedOut: 'You are signed out.',
  signInTitle: 'Sign in',
  signInHelp: 'Open the sign-in link you were given. A link works once, for 15 minutes. To get one, your Thread administrator runs:',
  signInCommand: 'npm run -s thread -- console-link --practice YOUR_PRACTICE_ID',
  signingIn: 'Signing in…',
  linkUsed: 'This sign-in link was already used. Each link signs in once: ask for a new one.',
  linkExpired: 'This sign-in link has expired (links last 15 minutes). Ask for a new one.',
  linkUnknown: 'This sign-in link is not valid. Check that it was copied whole, or ask for a new one.',
  tooManySignIns: 'Too many sign-in links were tried from your network. Wait a minute, then open your link again.',
  sessionEnded: 'Your session has ended. Sign in again with a new link.',
  networkError: 'The server could not be reached. Check your connection and try again.',
  sections: { locations: 'Locations', sites: 'Web sites', snippet: 'Embed builder', appointments: 'Appointments' },
  sectionsLabel: 'Console sections',
  locationsIntro: 'Your locations and their IDs. The widget takes the IDs in location-ids.',
  locationId: 'ID',
  address: 'Address',
  timeZone: 'Time zone',
  copy: 'Copy',
  copyId: (name) => `Copy the ID of ${name}`,
  copied: (what) => `Copied ${what}.`,
  copyFailed: 'Could not copy: select the text and copy it yourself.',
  noLocations: 'This practice has no locations yet.',
  sitesIntro: 'The widget works only on the web sites registered here. Give the origin of each site: https:// and the host name, without a path.',
  siteOrigin: 'Site origin',
  siteOriginHelp: 'For example https://www.example-practice.com',
  addSite: 'Add site',
  remove: 'Remove',
  removeSite: (origin) => `Remove ${origin}`,
  siteAdded: (origin) => `${origin} was added.`,
  siteRemoved: (origin) => `${origin} was removed. The widget no longer works there.`,
  siteRefused: (reason) => `Not added: ${reason}`,
  noSites: 'No site is registered yet: the widget works nowhere.',
  registeredSince: (date) => `since ${date}`,
  snippetIntro: 'Choose what the widget shows, check it in the live preview, then paste the snippet into your page.',
  chooseLocations: 'Locations to offer',
  chosenOrder: 'Order in the widget',
  moveUp: (name) => `Move ${name} up`,
  moveDown: (name) => `Move ${name} down`,
  noneChosen: 'Choose at least one location.',
  widgetLanguage: 'Widget language',
  english: 'English',
  spanish: 'Spanish',
  days: 'Days ahead',
  daysHelp: 'How many days of times to offer: 1 to 60.',
  accent: 'Accent colour',
  accentHelp: 'Buttons and links; white text sits on it.',
  accentLowContrast: (ratio) => `White text on this colour has a contrast of ${ratio}:1, under the 4.5:1 that WCAG asks for. Choose a darker colour.`,
  pageAddress: 'Address of the page you will paste it into',
  pageAddressHelp: 'Used only to check that its site is registered.',
  notRegistered: (origin) => `${origin} is not registered: the widget will refuse to work there. Add it under Web sites.`,
  registered: (origin) => `${origin} is registered.`,
  notAnOrigin: 'This is not a web address (https://…).',
  snippet: 'Snippet',
  copySnippet: 'Copy snippet',
  snippetCopied: 'The snippet is copied.',
  preview: 'Live preview',
  previewNote: 'This is the real widget with your real times: a time you pick here is held for a patient until you go back.',
  appointmentsIntro: "Upcoming booked appointments, in each location's time zone. Each view of a patient's sign-up is recorded.",
  location: 'Location',
  when: 'When',
  doctor: 'Doctor',
  length: 'Length',
  minutes: (n) => `${n} min`,
  showSignUp: 'Show sign-up',
  hideSignUp: 'Hide sign-up',
  signUpOf: (when) => `Sign-up for ${when}`,
  noSignUp: 'No sign-up: this appointment was not booked through the widget.',
  signUpFields: { first_name: 'First name', last_name: 'Last name', email: 'Email', phone: 'Phone', date_of_birth: 'Date of birth' },
  noAppointments: 'No upcoming booked appointments.',
  appointmentsCount: (n) => (n === 1 ? '1 appointment shown.' : `${n} appointments shown.`),
  more: 'Show more',
  timesIn: (zone) => `Times in ${zone}`,
};

export const es: ConsoleTranslation = {
  locale: 'es',
  title: 'Consola de la clínica',
  language: 'Idioma',
  skipToContent: 'Ir al contenido',
  loading: 'Cargando…',
  signOut: 'Cerrar sesión',
  signedOut: 'Ha cerrado la sesión.',
  signInTitle: 'Iniciar sesión',
  signInHelp: 'Abra el enlace de inicio de sesión que recibió. Un enlace sirve una vez, durante 15 minutos. Para obtener uno, su administrador de Thread ejecuta:',
  signInCommand: 'npm run -s thread -- console-link --practice ID_DE_SU_CLINICA',
  signingIn: 'Iniciando sesión…',
  linkUsed: 'Este enlace de inicio de sesión ya se usó. Cada enlace sirve una sola vez: pida uno nuevo.',
  linkExpired: 'Este enlace de inicio de sesión caducó (los enlaces duran 15 minutos). Pida uno nuevo.',
  linkUnknown: 'Este enlace de inicio de sesión no es válido. Compruebe que se copió entero o pida uno nuevo.',
  tooManySignIns: 'Se probaron demasiados enlaces de inicio de sesión desde su red. Espere un minuto y vuelva a abrir su enlace.',
  sessionEnded: 'Su sesión terminó. Inicie sesión de nuevo con un enlace nuevo.',
  networkError: 'No se pudo contactar con el servidor. Compruebe su conexión e inténtelo de nuevo.',
  sections: { locations: 'Sedes', sites: 'Sitios web', snippet: 'Generador de código', appointments: 'Citas' },
  sectionsLabel: 'Secciones de la consola',
  locationsIntro: 'Sus sedes y sus ID. El widget recibe los ID en location-ids.',
  locationId: 'ID',
  address: 'Dirección',
  timeZone: 'Zona horaria',
  copy: 'Copiar',
  copyId: (name) => `Copiar el ID de ${name}`,
  copied: (what) => `Se copió ${what}.`,
  copyFailed: 'No se pudo copiar: seleccione el texto y cópielo usted.',
  noLocations: 'Esta clínica aún no tiene sedes.',
  sitesIntro: 'El widget solo funciona en los sitios web registrados aquí. Indique el origen de cada sitio: https:// y el nombre del host, sin ruta.',
  siteOrigin: 'Origen del sitio',
  siteOriginHelp: 'Por ejemplo https://www.clinica-ejemplo.com',
  addSite: 'Añadir sitio',
  remove: 'Quitar',
  removeSite: (origin) => `Quitar ${origin}`,
  siteAdded: (origin) => `Se añadió ${origin}.`,
  siteRemoved: (origin) => `Se quitó ${origin}. El widget ya no funciona allí.`,
  siteRefused: (reason) => `No se añadió: ${reason}`,
  noSites: 'Aún no hay sitios registrados: el widget no funciona en ninguno.',
  registeredSince: (date) => `desde ${date}`,
  snippetIntro: 'Elija lo que muestra el widget, revíselo en la vista previa en vivo y pegue el código en su página.',
  chooseLocations: 'Sedes que se ofrecen',
  chosenOrder: 'Orden en el widget',
  moveUp: (name) => `Subir ${name}`,
  moveDown: (name) => `Bajar ${name}`,
  noneChosen: 'Elija al menos una sede.',
  widgetLanguage: 'Idioma del widget',
  english: 'Inglés',
  spanish: 'Español',
  days: 'Días por delante',
  daysHelp: 'Cuántos días de horarios ofrecer: de 1 a 60.',
  accent: 'Color de acento',
  accentHelp: 'Botones y enlaces; el texto blanco va encima.',
  accentLowContrast: (ratio) => `El texto blanco sobre este color tiene un contraste de ${ratio}:1, menos del 4,5:1 que pide WCAG. Elija un color más oscuro.`,
  pageAddress: 'Dirección de la página donde lo pegará',
  pageAddressHelp: 'Solo se usa para comprobar que su sitio está registrado.',
  notRegistered: (origin) => `${origin} no está registrado: el widget no funcionará allí. Añádalo en Sitios web.`,
  registered: (origin) => `${origin} está registrado.`,
  notAnOrigin: 'No es una dirección web (https://…).',
  snippet: 'Código',
  copySnippet: 'Copiar código',
  snippetCopied: 'Se copió el código.',
  preview: 'Vista previa en vivo',
  previewNote: 'Es el widget real con sus horarios reales: un horario que elija aquí queda reservado para un paciente hasta que vuelva atrás.',
  appointmentsIntro: 'Próximas citas reservadas, en la zona horaria de cada sede. Cada consulta de los datos de un paciente queda registrada.',
  location: 'Sede',
  when: 'Cuándo',
  doctor: 'Doctor',
  length: 'Duración',
  minutes: (n) => `${n} min`,
  showSignUp: 'Ver datos del paciente',
  hideSignUp: 'Ocultar datos del paciente',
  signUpOf: (when) => `Datos del paciente de ${when}`,
  noSignUp: 'Sin datos: esta cita no se reservó con el widget.',
  signUpFields: { first_name: 'Nombre', last_name: 'Apellidos', email: 'Correo electrónico', phone: 'Teléfono', date_of_birth: 'Fecha de nacimiento' },
  noAppointments: 'No hay próximas citas reservadas.',
  appointmentsCount: (n) => (n === 1 ? 'Se muestra 1 cita.' : `Se muestran ${n} citas.`),
  more: 'Mostrar más',
  timesIn: (zone) => `Horas en ${zone}`,
};

export const translations: Record<Language, ConsoleTranslation> = { en, es };

/** The console's language: one asked for, else the browser's first that we have, else English. */
export function languageOf(asked: string | null | undefined): Language {
  const tag = (asked ?? '').toLowerCase();
  return tag.startsWith('es') ? 'es' : 'en';
}
