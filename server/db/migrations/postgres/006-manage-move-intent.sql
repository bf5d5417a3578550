-- A move's intent on its manage link, repaired if the process dies mid-move (see the SQLite migration
-- 019-manage-move-intent.sql): the same columns.
ALTER TABLE manage_links ADD COLUMN move_from TEXT;
ALTER TABLE manage_links ADD COLUMN move_to TEXT;
ALTER TABLE manage_links ADD COLUMN move_hold_hash TEXT;
CREATE INDEX manage_links_moving ON manage_links(busy_until) WHERE move_to IS NOT NULL;
