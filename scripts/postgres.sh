#!/usr/bin/env bash
# A PostgreSQL server for the state tests (they create and drop a database each): the one on
# 127.0.0.1:5432 when it answers; otherwise PostgreSQL is installed with apt-get and started,
# and the postgres role given a password for TCP logins. Prints the admin URL the tests use.
set -euo pipefail
. "$(dirname "$0")/apt.sh"
url="postgresql://postgres@127.0.0.1:5432/postgres"

answers() {
    PGCONNECT_TIMEOUT=3 .venv/bin/python -c "import psycopg, sys; psycopg.connect(sys.argv[1]).close()" "$1" \
        2>/dev/null
}

if answers "$url"; then
    echo "$url"
    exit 0
fi
if ! command -v pg_ctlcluster >/dev/null 2>&1; then
    apt_install PostgreSQL postgresql
fi
if ! pg_isready -q -h 127.0.0.1 -p 5432; then
    echo "postgres: starting PostgreSQL" >&2
    cluster="$(pg_lsclusters --no-header | awk 'NR == 1 {print $1 " " $2}')"
    # shellcheck disable=SC2086
    $SUDO pg_ctlcluster $cluster start
    for _ in $(seq 1 30); do pg_isready -q -h 127.0.0.1 -p 5432 && break; sleep 1; done
fi
if answers "$url"; then
    echo "$url"
    exit 0
fi
# A stock install asks TCP clients for a password: give the postgres role one for the tests.
password="wastewatch-tests"
$SUDO -u postgres psql -q -c "ALTER ROLE postgres PASSWORD '$password'" >/dev/null 2>&1 \
    || su postgres -c "psql -q -c \"ALTER ROLE postgres PASSWORD '$password'\"" >/dev/null
url="postgresql://postgres:$password@127.0.0.1:5432/postgres"
answers "$url" || { echo "postgres: cannot log in to PostgreSQL on 127.0.0.1:5432" >&2; exit 1; }
echo "$url"
