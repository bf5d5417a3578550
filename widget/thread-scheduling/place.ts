import type { Location } from '../../shared/types.js';

/** A location's address as lines: street (and suite), then town, state and zip. */
export function addressLines(location: Location): string[] {
  const street = [location.street_address, location.secondary_address].filter(Boolean).join(', ');
  const region = [location.state, location.zip].filter(Boolean).join(' ');
  const town = [location.city, region].filter(Boolean).join(', ');
  return [street, town].filter(Boolean);
}
