DROP TABLE epcis_event_epcs;
DROP TABLE epcis_events;
DROP TABLE epcis_captures;
