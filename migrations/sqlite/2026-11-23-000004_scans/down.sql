DROP TABLE code_scan_counts;
DROP TABLE scan_events;
