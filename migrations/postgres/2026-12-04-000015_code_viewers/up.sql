-- The distinct clients (daily client hashes) that viewed a code past the
-- view threshold, as each node noted them: the view rule confirms a copy
-- on every node's viewers. Only codes past the threshold have rows, at
-- most the threshold + 1 each.
CREATE TABLE code_viewers (
    code TEXT NOT NULL,
    client TEXT NOT NULL,
    PRIMARY KEY (code, client)
);
