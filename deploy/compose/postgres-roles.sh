#!/bin/sh
# PostgreSQL's first start (docker-entrypoint-initdb.d): one role per service, owning only its own
# database; nobody else may connect to it. The superuser stays with the postgres container.
# Passwords come from <SERVICE>_DB_PASSWORD. Runs once, on an empty data volume; to add a role to an
# existing volume, run it by hand: docker compose exec postgres sh /docker-entrypoint-initdb.d/10-roles.sh
set -eu
prefix="${CHISO_DB_PREFIX:-chiso_}"
for svc in scoring evidence sync gateway; do
  var="$(echo "$svc" | tr 'a-z' 'A-Z')_DB_PASSWORD"
  eval "password=\${$var:?set $var}"
  psql -v ON_ERROR_STOP=1 --no-psqlrc --dbname=postgres \
    -v role="$prefix$svc" -v db="$prefix$svc" -v password="$password" <<'SQL'
SELECT format('CREATE ROLE %I LOGIN PASSWORD %L', :'role', :'password')
  WHERE NOT EXISTS (SELECT 1 FROM pg_roles WHERE rolname = :'role') \gexec
SELECT format('CREATE DATABASE %I OWNER %I', :'db', :'role')
  WHERE NOT EXISTS (SELECT 1 FROM pg_database WHERE datname = :'db') \gexec
SELECT format('REVOKE ALL ON DATABASE %I FROM PUBLIC', :'db') \gexec
SELECT format('GRANT CONNECT, TEMPORARY ON DATABASE %I TO %I', :'db', :'role') \gexec
SQL
done
