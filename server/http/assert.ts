// What an id may be: practices, locations, bookings and clients. Checked by the schemas of
// schemas.ts at the edge, and by the routes for ids in a path.

/** Ids of practices, locations, bookings and clients. */
export const ID = /^[A-Za-z0-9_.:-]{1,64}$/;
