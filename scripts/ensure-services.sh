#!/usr/bin/env bash
# Make sure the services the tests and the demo need are answering on 127.0.0.1:
# RabbitMQ (5672) always; PostgreSQL (5432) when called with --postgres.
# Starts an installed-but-stopped service, installs a missing one with apt when root (or via sudo),
# and otherwise stops with a sentence saying how to get it.
set -euo pipefail

want_postgres=0
[ "${1:-}" = "--postgres" ] && want_postgres=1

say() { echo "ensure-services: $*" >&2; }

port_open() { (exec 3<>"/dev/tcp/127.0.0.1/$1") 2>/dev/null && exec 3>&- 3<&- ; }

wait_port() {  # port, seconds, name
  local i
  for i in $(seq 1 "$2"); do port_open "$1" && return 0; sleep 1; done
  say "$3 did not answer on 127.0.0.1:$1 within $2 s"; return 1
}

as_root() {
  if [ "$(id -u)" = 0 ]; then "$@";
  elif command -v sudo >/dev/null && sudo -n true 2>/dev/null; then sudo "$@";
  else return 1; fi
}

apt_install() {
  as_root env DEBIAN_FRONTEND=noninteractive apt-get install -y -q "$@" >/dev/null 2>&1 || {
    as_root apt-get update -q >/dev/null 2>&1 && \
    as_root env DEBIAN_FRONTEND=noninteractive apt-get install -y -q "$@" >/dev/null 2>&1; }
}

ensure_rabbitmq() {
  port_open 5672 && return 0
  if ! command -v rabbitmq-server >/dev/null; then
    say "RabbitMQ is not installed; installing rabbitmq-server with apt"
    apt_install rabbitmq-server || {
      say "RabbitMQ is needed on 127.0.0.1:5672 (guest/guest). Install it (sudo apt-get install rabbitmq-server)"
      say "or point AMQP_URL at a broker you run; then run this command again."; exit 1; }
  fi
  say "starting RabbitMQ (rabbitmq-server -detached)"
  as_root rabbitmq-server -detached >/dev/null 2>&1 || rabbitmq-server -detached >/dev/null 2>&1 || true
  wait_port 5672 90 RabbitMQ
  # The port opens before the broker accepts logins; wait for the node to report it is running.
  command -v rabbitmqctl >/dev/null && as_root rabbitmqctl await_startup >/dev/null 2>&1 || sleep 3
}

ensure_postgres() {
  port_open 5432 && return 0
  if ! ls /etc/postgresql/*/main >/dev/null 2>&1; then
    say "PostgreSQL is not installed; installing postgresql with apt"
    apt_install postgresql || {
      say "PostgreSQL is needed on 127.0.0.1:5432 for the PostgreSQL tests. Install it"
      say "(sudo apt-get install postgresql), or run the tests with -m 'not postgres'."; exit 1; }
  fi
  local version
  version=$(ls /etc/postgresql | sort -V | tail -n 1)
  say "starting PostgreSQL $version"
  as_root pg_ctlcluster --skip-systemctl-redirect "$version" main start >/dev/null 2>&1 || true
  wait_port 5432 60 PostgreSQL
}

ensure_rabbitmq
[ "$want_postgres" = 1 ] && ensure_postgres
exit 0
