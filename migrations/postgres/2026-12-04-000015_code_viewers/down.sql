DROP TABLE code_viewers;
