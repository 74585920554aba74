DROP TABLE codes;
DROP TABLE code_runs;
