-- Version 6: a counter per event definition, raised by every save. A save names the version
-- it read and changes nothing when another writer saved since (optimistic locking), so two
-- concurrent changes to one definition (say, two properties added at once, from two
-- collectors) are both kept: the later one is re-applied to the fresh definition.
ALTER TABLE event_definitions ADD COLUMN version BIGINT NOT NULL DEFAULT 0;
