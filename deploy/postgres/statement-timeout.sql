-- Behind a transaction-mode pooler the statement timeout is the role's own setting: instances check
-- it equals STATEMENT_TIMEOUT_MS (10 s by default) at start-up (README "Running behind PgBouncer").
ALTER ROLE realmgraph IN DATABASE realmgraph SET statement_timeout = 10000;
