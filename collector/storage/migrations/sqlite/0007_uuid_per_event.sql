-- Version 7: a completion's uuid is unique within its event, as HubSpot's send API says
-- ("must be unique within the event type"): one uuid sent for two events stores both (the
-- second was acknowledged and dropped). A retried completion still carries its event.
DROP INDEX completions_id;
CREATE UNIQUE INDEX completions_id ON completions (portal_id, id, event_name);
