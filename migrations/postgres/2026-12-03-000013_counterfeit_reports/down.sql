DROP TABLE counterfeit_reports;
DELETE FROM clone_alerts WHERE rule = 'counterfeit_report';
ALTER TABLE clone_alerts DROP CONSTRAINT clone_alerts_rule_check;
ALTER TABLE clone_alerts ADD CONSTRAINT clone_alerts_rule_check
    CHECK (rule IN ('scan_count', 'impossible_travel', 'after_sale'));
