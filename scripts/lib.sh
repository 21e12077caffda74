# Shared by scripts/run, scripts/test and scripts/bench: find Odoo 19, install the Python
# packages the addon needs, find PostgreSQL or start a private throwaway cluster.
# shellcheck shell=bash
set -euo pipefail

ROOT=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
PYTHON=${PYTHON:-python3}
MODULE=customer_care_budget
export PIP_DISABLE_PIP_VERSION_CHECK=1 PIP_ROOT_USER_ACTION=ignore

say() { printf '\n==> %s\n' "$*"; }
die() { printf '\nerror: %s\n' "$*" >&2; exit 1; }

# Odoo must be importable as `odoo` (or its source folder given as ODOO_PATH); we never fetch it.
# Sets ODOO_ADDONS to the addons path of that Odoo plus this repository.
find_odoo() {
    if [ -n "${ODOO_PATH:-}" ]; then
        [ -d "$ODOO_PATH/odoo" ] || die "ODOO_PATH=$ODOO_PATH does not hold an odoo/ folder."
        export PYTHONPATH="$ODOO_PATH${PYTHONPATH:+:$PYTHONPATH}"
    fi
    local found
    if ! found=$("$PYTHON" - 2>&1 <<'PY'
import os
import odoo
from odoo import release
if release.version_info[:2] != (19, 0):
    raise SystemExit(f"found Odoo {release.version}, need 19.0")
source_addons = os.path.join(os.path.dirname(list(odoo.__path__)[0]), "addons")
print(source_addons if os.path.isdir(os.path.join(source_addons, "account")) else "")
PY
    ); then
        die "Odoo 19.0 is not importable by $PYTHON:
  ${found##*$'\n'}
Install Odoo 19.0 Community (its source and the Python packages of its requirements.txt) and make
it importable (pip install -e <odoo-source>, or a .pth file), or set ODOO_PATH=<odoo-source>, the
folder that holds odoo/ and addons/. These scripts never download or build Odoo."
    fi
    ODOO_ADDONS="$ROOT${found:+,$found}"
}

# pip-install a requirements file; OCA addon wheels (odoo-addon-*) without dependencies, since
# they depend on an `odoo` distribution that is not on PyPI (Odoo is already importable).
pip_install() {
    local file=$1 plain oca
    plain=$(grep -vE '^\s*(#|$|odoo-addon-)' "$file" || true)
    oca=$(grep -E '^\s*odoo-addon-' "$file" || true)
    if [ -n "$plain" ] && ! "$PYTHON" -m pip install -q $plain; then
        die "could not install the Python packages of $file"
    fi
    if [ -n "$oca" ] && ! "$PYTHON" -m pip install -q --no-deps $oca; then
        die "could not install the OCA addons of $file"
    fi
}

# The tours need a Chromium that Odoo finds on the PATH: Debian's chromium, installed here when we can.
ensure_chromium() {
    local bin
    for bin in chromium chromium-browser google-chrome google-chrome-stable; do
        command -v "$bin" >/dev/null && return 0
    done
    if [ "$(id -u)" = 0 ] && command -v apt-get >/dev/null; then
        say "Installing Debian's chromium for the tours"
        { apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq chromium; } >/dev/null 2>&1 \
            || die "could not install Debian's chromium package (apt-get install chromium): the tours need it."
    else
        die "the tours need Chromium: install Debian's chromium package (apt-get install chromium) or put chromium on the PATH."
    fi
}

postgres_answers() {
    "$PYTHON" -c 'import psycopg2; psycopg2.connect(dbname="postgres", connect_timeout=3).close()' 2>/dev/null
}

# Use the PostgreSQL server libpq finds (PG* variables), else start a private cluster in
# .pgcluster/<name> (git-ignored); CCB_PRIVATE_PG=1 forces the private cluster.
PRIVATE_PG=
ensure_postgres() {
    if [ -z "${CCB_PRIVATE_PG:-}" ] && postgres_answers; then
        return
    fi
    start_private_postgres "$1"
}

private_pg_as() {
    if [ "$(id -u)" = 0 ]; then runuser -u postgres -- "$@"; else "$@"; fi
}

start_private_postgres() {
    local dir=$ROOT/.pgcluster/$1 bindir port
    bindir=$(pg_config --bindir 2>/dev/null || true)
    [ -x "$bindir/initdb" ] || bindir=$(ls -d /usr/lib/postgresql/*/bin 2>/dev/null | sort -V | tail -n 1)
    [ -x "$bindir/initdb" ] && [ -x "$bindir/pg_ctl" ] \
        || die "no PostgreSQL server answers and no initdb/pg_ctl to start one: install the PostgreSQL server (e.g. apt-get install postgresql) or set PGHOST/PGPORT/PGUSER to a running server."
    if [ "$(id -u)" = 0 ]; then
        id postgres >/dev/null 2>&1 || die "PostgreSQL refuses to run as root and there is no 'postgres' user to run it."
    fi
    mkdir -p "$dir"
    [ "$(id -u)" = 0 ] && chown postgres "$dir"
    if [ ! -s "$dir/data/PG_VERSION" ]; then
        say "Creating a private PostgreSQL cluster in ${dir#"$ROOT"/}"
        private_pg_as "$bindir/initdb" -D "$dir/data" -U odoo -A trust -E UTF8 --no-sync >"$dir/initdb.log" 2>&1 \
            || die "initdb failed, see $dir/initdb.log"
    fi
    port=$("$PYTHON" -c 'import socket; s = socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])')
    private_pg_as "$bindir/pg_ctl" -D "$dir/data" -l "$dir/server.log" -w -t 60 \
        -o "-k $dir -p $port -c listen_addresses='' -c fsync=off" start >/dev/null \
        || die "the private PostgreSQL cluster did not start, see $dir/server.log"
    PRIVATE_PG="$bindir/pg_ctl -D $dir/data"
    export PGHOST=$dir PGPORT=$port PGUSER=odoo
    unset PGPASSWORD PGDATABASE
}

stop_private_postgres() {
    [ -n "$PRIVATE_PG" ] || return 0
    # shellcheck disable=SC2086
    private_pg_as $PRIVATE_PG -m fast stop >/dev/null 2>&1 || true
    PRIVATE_PG=
}

# An Odoo configuration file for this repository's addons; the database comes from PG* variables.
write_odoo_config() {
    local file=$1 data_dir=$2
    cat >"$file" <<CONF
[options]
addons_path = $ODOO_ADDONS
data_dir = $data_dir
http_interface = 127.0.0.1
CONF
}

drop_database() {
    "$PYTHON" - "$1" <<'PY' || true
import sys
import psycopg2
from psycopg2 import sql
connection = psycopg2.connect(dbname="postgres")
connection.autocommit = True
connection.cursor().execute(sql.SQL("DROP DATABASE IF EXISTS {} WITH (FORCE)").format(sql.Identifier(sys.argv[1])))
connection.close()
PY
}
