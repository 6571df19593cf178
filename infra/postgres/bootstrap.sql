-- UBOS: one-time database bootstrap for a production Postgres (run by a DBA / admin role).
--
--   psql "postgres://admin@db-host/postgres" \
--     -v owner_password='...' -v app_password='...' [-v db_name=ubos] \
--     -f infra/postgres/bootstrap.sql
--
-- Creates, idempotently:
--   ubos_owner  owns the database, its schemas and tables; runs migrations (DATABASE_URL).
--               Not superuser, no BYPASSRLS: row-level security is FORCEd on it too.
--   ubos_app    runs every request and job (DATABASE_APP_URL). Not superuser, no BYPASSRLS,
--               owns nothing, so RLS always applies. Gets table rights from the migrations.
-- Safe to re-run: it only (re)sets passwords and grants.

\set ON_ERROR_STOP on
\if :{?db_name}
\else
  \set db_name ubos
\endif
\if :{?owner_password}
\else
  \echo 'Pass -v owner_password=... (the password of ubos_owner)'
  \quit
\endif
\if :{?app_password}
\else
  \echo 'Pass -v app_password=... (the password of ubos_app)'
  \quit
\endif

SELECT 'CREATE ROLE ubos_owner LOGIN NOSUPERUSER NOBYPASSRLS NOCREATEROLE NOCREATEDB'
WHERE NOT EXISTS (SELECT 1 FROM pg_roles WHERE rolname = 'ubos_owner') \gexec

SELECT 'CREATE ROLE ubos_app LOGIN NOSUPERUSER NOBYPASSRLS NOCREATEROLE NOCREATEDB NOINHERIT'
WHERE NOT EXISTS (SELECT 1 FROM pg_roles WHERE rolname = 'ubos_app') \gexec

-- Re-assert the attributes in case the roles were created by hand.
ALTER ROLE ubos_owner LOGIN NOSUPERUSER NOBYPASSRLS NOCREATEROLE NOCREATEDB PASSWORD :'owner_password';
ALTER ROLE ubos_app LOGIN NOSUPERUSER NOBYPASSRLS NOCREATEROLE NOCREATEDB NOINHERIT PASSWORD :'app_password';

-- On managed services (RDS, Cloud SQL, Azure) the admin is not a superuser: it must be a
-- member of ubos_owner to create a database owned by it.
SELECT format('GRANT ubos_owner TO %I', current_user)
WHERE NOT (SELECT rolsuper FROM pg_roles WHERE rolname = current_user)
  AND NOT pg_has_role(current_user, 'ubos_owner', 'MEMBER') \gexec

SELECT format('CREATE DATABASE %I OWNER ubos_owner ENCODING ''UTF8''', :'db_name')
WHERE NOT EXISTS (SELECT 1 FROM pg_database WHERE datname = :'db_name') \gexec

SELECT format('ALTER DATABASE %I OWNER TO ubos_owner', :'db_name') \gexec
SELECT format('REVOKE ALL ON DATABASE %I FROM PUBLIC', :'db_name') \gexec
SELECT format('GRANT CONNECT, TEMPORARY ON DATABASE %I TO ubos_app', :'db_name') \gexec
SELECT format('GRANT ALL ON DATABASE %I TO ubos_owner', :'db_name') \gexec

\connect :db_name
-- Nothing of UBOS lives in public; nobody but the owner may create objects there.
REVOKE CREATE ON SCHEMA public FROM PUBLIC;
ALTER SCHEMA public OWNER TO ubos_owner;

\echo 'Bootstrap done. Next: DATABASE_URL=postgres://ubos_owner:<owner_password>@<host>/<db_name> pnpm db:migrate'
