-- Tributary's PostgreSQL state store: a dedicated login role, a database it may only connect to, and one
-- schema that the role owns. Run it with psql as a superuser, or as a role with CREATEROLE and CREATEDB
-- (a managed service's admin role):
--
--   psql -h HOST -U ADMIN -d postgres \
--        -v state_user=tributary_state -v state_db=tributary_state -v state_schema=tributary_state \
--        -f scripts/sql/create-state-store.sql
--   psql -h HOST -U ADMIN -d postgres -c '\password tributary_state'
--
-- Variables:
--   state_user      the role the tool logs in as (required)
--   state_db        the database (required); created when missing
--   state_schema    the schema for the state tables (default tributary_state)
--   state_password  optional. Without it the role's password is left as it is: set it with psql's
--                   \password (as above), which sends only a SCRAM hash. With -v state_password=... the
--                   plain text is on the command line (ps, shell history) and goes to the server in an
--                   ALTER ROLE statement (kept out of the server log below when the caller is a superuser).
--
-- Idempotent: a second run creates nothing new. It re-applies the role attributes, the database grants,
-- the schema owner and (when given) the password.
--
-- What the tool needs, and all that is granted:
--   * LOGIN, and CONNECT on the database (not CREATE, not TEMPORARY);
--   * one schema owned by the role. The tool creates and migrates its own tables there on first use
--     (versioned migrations, recorded in <schema>.schema_migrations); it creates nothing outside it.
--   * session-level advisory locks: pg_advisory_lock() and friends are executable by PUBLIC, no grant;
--   * pg_locks, readable by PUBLIC, to see which lock holders are still connected.
-- Not needed: SUPERUSER, CREATEDB, CREATEROLE, REPLICATION, BYPASSRLS, CREATE or TEMPORARY on the
-- database, any privilege in another schema (including public).
--
-- The database should be dedicated to the state: REVOKE ALL ... FROM PUBLIC below also takes CONNECT
-- and TEMPORARY away from every other role that relied on PUBLIC. To use a shared database instead,
-- leave out the two REVOKE ... ON DATABASE statements.

\set ON_ERROR_STOP on
\set ECHO none

\if :{?state_user}
\else
DO $$ BEGIN RAISE EXCEPTION 'create-state-store.sql: set the role name: psql -v state_user=NAME ...'; END $$;
\endif
\if :{?state_db}
\else
DO $$ BEGIN RAISE EXCEPTION 'create-state-store.sql: set the database name: psql -v state_db=NAME ...'; END $$;
\endif
\if :{?state_schema}
\else
\set state_schema tributary_state
\endif

-- ------------------------------------------------------------------------------------------------ role
-- A password must not reach the server log (log_statement, log_min_duration_statement, or
-- log_min_error_statement on a failure). Changing those for this session needs superuser; for other
-- callers this is skipped and the server's settings apply.
DO $$
BEGIN
  PERFORM set_config('log_statement', 'none', false);
  PERFORM set_config('log_min_duration_statement', '-1', false);
  PERFORM set_config('log_min_error_statement', 'panic', false);
EXCEPTION WHEN insufficient_privilege THEN NULL;
END $$;
-- Error messages without the failing statement's text.
\set VERBOSITY terse

-- CREATE ROLE has no IF NOT EXISTS: generate it only when the role is missing.
SELECT format('CREATE ROLE %I LOGIN NOSUPERUSER NOCREATEDB NOCREATEROLE NOREPLICATION NOBYPASSRLS', :'state_user')
 WHERE NOT EXISTS (SELECT 1 FROM pg_roles WHERE rolname = :'state_user') \gexec

-- An existing role: change only the attributes that are wrong (changing SUPERUSER, REPLICATION or
-- BYPASSRLS at all needs superuser, so a correct role is left alone).
SELECT format('ALTER ROLE %I', rolname) || concat_ws(' ', '',
         CASE WHEN NOT rolcanlogin THEN 'LOGIN' END,
         CASE WHEN rolsuper THEN 'NOSUPERUSER' END,
         CASE WHEN rolcreatedb THEN 'NOCREATEDB' END,
         CASE WHEN rolcreaterole THEN 'NOCREATEROLE' END,
         CASE WHEN rolreplication THEN 'NOREPLICATION' END,
         CASE WHEN rolbypassrls THEN 'NOBYPASSRLS' END)
  FROM pg_roles
 WHERE rolname = :'state_user'
   AND (NOT rolcanlogin OR rolsuper OR rolcreatedb OR rolcreaterole OR rolreplication OR rolbypassrls) \gexec

\if :{?state_password}
SELECT format('ALTER ROLE %I PASSWORD %L', :'state_user', :'state_password') \gexec
\endif
\set VERBOSITY default

-- ------------------------------------------------------------------------------------------------ database
-- CREATE DATABASE cannot run inside a DO block (a transaction): generate it only when it is missing.
-- Its owner is the caller, not the state role.
SELECT format('CREATE DATABASE %I', :'state_db')
 WHERE NOT EXISTS (SELECT 1 FROM pg_database WHERE datname = :'state_db') \gexec

-- Only the state role (and the owner) may connect; nobody gets TEMPORARY through PUBLIC.
REVOKE ALL ON DATABASE :"state_db" FROM PUBLIC;
GRANT CONNECT ON DATABASE :"state_db" TO :"state_user";
-- In case they were granted before: the tool creates no schemas and no temporary tables.
REVOKE CREATE, TEMPORARY ON DATABASE :"state_db" FROM :"state_user";

-- ------------------------------------------------------------------------------------------------ schema
\connect :"state_db"

-- PostgreSQL 15 and later: PUBLIC has no CREATE on schema public already. Only older servers need this;
-- nothing else about schema public is changed.
SELECT 'REVOKE CREATE ON SCHEMA public FROM PUBLIC'
 WHERE current_setting('server_version_num')::int < 150000
   AND EXISTS (SELECT 1 FROM pg_namespace WHERE nspname = 'public') \gexec

-- The role owns its schema: it creates, alters and migrates the state tables there itself.
-- Giving a schema to another role needs membership in it. A caller that is not a superuser (a managed
-- service's admin role) becomes a member of the state role; the state role gains nothing from this.
SELECT format('GRANT %I TO CURRENT_USER', :'state_user')
 WHERE NOT (SELECT rolsuper FROM pg_roles WHERE rolname = current_user)
   AND NOT pg_has_role(current_user, :'state_user',
                       CASE WHEN current_setting('server_version_num')::int >= 160000 THEN 'SET' ELSE 'MEMBER' END) \gexec
SET client_min_messages = warning;  -- no "already exists, skipping" notice on a second run
CREATE SCHEMA IF NOT EXISTS :"state_schema" AUTHORIZATION :"state_user";
RESET client_min_messages;
SELECT format('ALTER SCHEMA %I OWNER TO %I', nspname, :'state_user')
  FROM pg_namespace
 WHERE nspname = :'state_schema' AND nspowner <> (SELECT oid FROM pg_roles WHERE rolname = :'state_user') \gexec

-- ------------------------------------------------------------------------------------------------ check
-- One line to compare with what the tool needs: login true, every other attribute and privilege false,
-- connect true, schema owner = the role.
SELECT r.rolname AS role,
       r.rolcanlogin AS login,
       r.rolsuper OR r.rolcreatedb OR r.rolcreaterole OR r.rolreplication OR r.rolbypassrls AS extra_attributes,
       has_database_privilege(r.oid, current_database(), 'CONNECT') AS connect,
       has_database_privilege(r.oid, current_database(), 'CREATE') AS create_schemas,
       has_database_privilege(r.oid, current_database(), 'TEMPORARY') AS temporary,
       current_database() AS database,
       n.nspname AS schema,
       pg_get_userbyid(n.nspowner) AS schema_owner
  FROM pg_roles r
  JOIN pg_namespace n ON n.nspname = :'state_schema'
 WHERE r.rolname = :'state_user';
