#!/bin/sh
# First start of the postgres image (docker-entrypoint-initdb.d, as the image's superuser): the
# schema owner, which runs the migrations, and the service's role, which owns nothing and gets its
# privileges from the migrations (migrations/1765300000000-least-privilege-service-role.ts).
set -e
psql -v ON_ERROR_STOP=1 --username "$POSTGRES_USER" --dbname "$POSTGRES_DB" \
  -v owner_password="${OL_OWNER_PASSWORD:?set OL_OWNER_PASSWORD}" -v app_password="${OL_APP_PASSWORD:?set OL_APP_PASSWORD}" \
  -v database="$POSTGRES_DB" <<'SQL'
CREATE ROLE outcome_ledger_owner LOGIN NOSUPERUSER NOCREATEDB NOCREATEROLE PASSWORD :'owner_password';
CREATE ROLE outcome_ledger_app LOGIN NOSUPERUSER NOCREATEDB NOCREATEROLE PASSWORD :'app_password';
ALTER DATABASE :"database" OWNER TO outcome_ledger_owner;
SQL
