-- A move of a manage link is several calls to the booking API, so it cannot be one transaction: before the
-- new time is booked, the link records what it is doing (the booking it moves from, the booking the new hold
-- took, and that hold's hash), and the move clears it when done or undone. A process that dies in between
-- leaves it set: once the link's claim (busy_until) lapses, any process sharing the database claims the row and
-- completes or abandons the move from what the booking API says then (server/bff/manage.ts).
ALTER TABLE manage_links ADD COLUMN move_from TEXT;
ALTER TABLE manage_links ADD COLUMN move_to TEXT;
ALTER TABLE manage_links ADD COLUMN move_hold_hash TEXT;
CREATE INDEX manage_links_moving ON manage_links(busy_until) WHERE move_to IS NOT NULL;
