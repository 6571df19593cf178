#!/bin/sh
# Runs once, when the compose Postgres volume is first initialised: creates the UBOS roles and database.
set -eu
psql --username "$POSTGRES_USER" --dbname postgres \
  -v owner_password="$UBOS_OWNER_PASSWORD" \
  -v app_password="$UBOS_APP_PASSWORD" \
  -v db_name="${UBOS_DB_NAME:-ubos}" \
  -f /ubos/bootstrap.sql
