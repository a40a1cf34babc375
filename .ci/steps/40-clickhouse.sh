#!/bin/sh
# SPDX-License-Identifier: MIT
# ClickHouse trail (issue 17): installs Debian's clickhouse-server (idempotent), starts two
# instances on loopback ports as the two shards of a cluster (the remote_servers config is
# written here), runs tst_clickhouse and tst_clickhouse_trail against a single-node table and
# the Distributed table
# and the GUI's ClickHouse trail window offscreen (tst_clickhousewindow),
# then the CLI end to end (init, ship, stats equal to the embedded store's, ship twice,
# ship across a restart of ClickHouse, receive --forward-clickhouse across an outage of
# ClickHouse and a kill of the receiver), and stops the servers.
set -eu
cd "$(dirname "$0")/../.."
top=$(pwd)
build=${AUDITLENS_BUILD_DIR:-$top/build}

# the server, curl (readiness, a few checks) and python3 (free ports), when missing
./tools/apt-install-missing.sh clickhouse-server clickhouse-client curl python3

work=$(mktemp -d /tmp/auditlens-ch.XXXXXX)
pids=
cleanup() {
    for p in $pids; do kill "$p" 2>/dev/null || true; done
    for p in $pids; do wait "$p" 2>/dev/null || true; done
    rm -rf "$work"
}
trap cleanup EXIT INT TERM

# Free loopback ports, chosen by the kernel (bind to port 0).
ports=$(python3 -c 'import socket
ss=[socket.socket() for _ in range(6)]
[s.bind(("127.0.0.1",0)) for s in ss]
print(" ".join(str(s.getsockname()[1]) for s in ss))')
set -- $ports
http1=$1 tcp1=$2 isrv1=$3 http2=$4 tcp2=$5 isrv2=$6

write_config() { # name http tcp interserver
    d=$work/$1
    mkdir -p "$d/data" "$d/tmp" "$d/log" "$d/user_files"
    cat > "$d/users.xml" <<XML
<?xml version="1.0"?>
<yandex>
  <profiles><default><max_memory_usage>2000000000</max_memory_usage></default></profiles>
  <users>
    <default><password></password><networks><ip>127.0.0.1</ip><ip>::1</ip></networks>
      <profile>default</profile><quota>default</quota></default>
    <auditlens><password>ch-test-secret</password><networks><ip>127.0.0.1</ip><ip>::1</ip></networks>
      <profile>default</profile><quota>default</quota></auditlens>
  </users>
  <quotas><default><interval><duration>3600</duration><queries>0</queries><errors>0</errors>
    <result_rows>0</result_rows><read_rows>0</read_rows><execution_time>0</execution_time></interval></default></quotas>
</yandex>
XML
    cat > "$d/config.xml" <<XML
<?xml version="1.0"?>
<yandex>
  <logger><level>warning</level><log>$d/log/server.log</log><errorlog>$d/log/error.log</errorlog><console>0</console></logger>
  <listen_host>127.0.0.1</listen_host>
  <http_port>$2</http_port>
  <tcp_port>$3</tcp_port>
  <interserver_http_port>$4</interserver_http_port>
  <interserver_http_host>127.0.0.1</interserver_http_host>
  <path>$d/data/</path>
  <tmp_path>$d/tmp/</tmp_path>
  <user_files_path>$d/user_files/</user_files_path>
  <users_config>$d/users.xml</users_config>
  <default_profile>default</default_profile>
  <default_database>default</default_database>
  <mark_cache_size>268435456</mark_cache_size>
  <max_concurrent_queries>50</max_concurrent_queries>
  <remote_servers>
    <auditlens_two_shards>
      <shard><replica><host>127.0.0.1</host><port>$tcp1</port></replica></shard>
      <shard><replica><host>127.0.0.1</host><port>$tcp2</port></replica></shard>
    </auditlens_two_shards>
  </remote_servers>
</yandex>
XML
}

start_server() { # name http
    clickhouse-server --config-file="$work/$1/config.xml" >"$work/$1/log/stdout.log" 2>&1 &
    echo $! > "$work/$1/pid"
    pids="$pids $!"
    i=0
    until [ "$(curl -s "http://127.0.0.1:$2/ping" 2>/dev/null)" = "Ok." ]; do
        i=$((i + 1))
        if [ $i -gt 300 ]; then
            echo "ClickHouse $1 did not start on port $2:"; tail -20 "$work/$1/log/error.log" "$work/$1/log/stdout.log" || true
            exit 1
        fi
        sleep 0.1
    done
}

stop_server() { # name
    p=$(cat "$work/$1/pid")
    kill "$p" 2>/dev/null || true
    wait "$p" 2>/dev/null || true
}

write_config ch1 "$http1" "$tcp1" "$isrv1"
write_config ch2 "$http2" "$tcp2" "$isrv2"
start_server ch1 "$http1"
start_server ch2 "$http2"
echo "ClickHouse $(curl -s "http://127.0.0.1:$http1/?query=SELECT%20version()") on :$http1 and :$http2"

cli=$build/app/auditlens-cli
gen=$build/tests/bench/auditlens-gen
samples=$top/resources/samples
url1=http://127.0.0.1:$http1
url2=http://127.0.0.1:$http2
export CLICKHOUSE_USER=auditlens
printf 'ch-test-secret\n' > "$work/password"
chmod 600 "$work/password"
pw="--password-file $work/password"

# 1. the core tests against a real server (they fail instead of skipping here)
AUDITLENS_REQUIRE_CLICKHOUSE=1 AUDITLENS_CLICKHOUSE_URL=$url1 CLICKHOUSE_PASSWORD=ch-test-secret \
    AUDITLENS_CLICKHOUSE_CLUSTER=auditlens_two_shards AUDITLENS_CLICKHOUSE_SHARD_URLS=$url1,$url2 \
    "$build/tests/tst_clickhouse"
AUDITLENS_REQUIRE_CLICKHOUSE=1 AUDITLENS_CLICKHOUSE_URL=$url1 CLICKHOUSE_PASSWORD=ch-test-secret \
    AUDITLENS_CLICKHOUSE_CLUSTER=auditlens_two_shards AUDITLENS_CLICKHOUSE_SHARD_URLS=$url1,$url2 \
    "$build/tests/tst_clickhouse_trail"
AUDITLENS_REQUIRE_CLICKHOUSE=1 AUDITLENS_CLICKHOUSE_URL=$url1 CLICKHOUSE_PASSWORD=ch-test-secret \
    "$build/tests/tst_clickhouse_forward"
# the GUI's ClickHouse trail window offscreen, beside the same window over the file
AUDITLENS_REQUIRE_CLICKHOUSE=1 AUDITLENS_CLICKHOUSE_URL=$url1 CLICKHOUSE_PASSWORD=ch-test-secret \
    QT_QPA_PLATFORM=offscreen "$build/tests/tst_clickhousewindow"

# 2. the CLI end to end. The embedded store's stats (all values, rejected line left out) are
# what the server must answer; ties are listed in another order, so lines are compared sorted
# within each section.
sections() { awk '/^Top /{sec=$0} {print sec "|" $0}' | grep -v '^|rejected:' | sort; }
expect_stats() { # NAME INPUT... -- STATS-ARGS...
    name=$1; shift
    inputs=
    while [ "$1" != -- ]; do inputs="$inputs $1"; shift; done
    shift
    "$cli" stats --top 0 $inputs | sections > "$work/want"
    "$cli" stats --top 0 "$@" | sections > "$work/got"
    if ! diff -u "$work/want" "$work/got" > "$work/diff"; then
        echo "FAIL: $name: stats from ClickHouse differ from the embedded store's:"; head -40 "$work/diff"
        exit 1
    fi
    echo "ok: $name"
}

"$cli" clickhouse init --url "$url1" $pw --table trail
"$cli" clickhouse init --url "$url1" $pw --database al --table trail --cluster auditlens_two_shards --shard-urls "$url1,$url2"
if "$cli" clickhouse init --url "$url1" $pw --table trail --cluster auditlens_two_shards --shard-urls "$url1" 2>"$work/err"; then
    echo "FAIL: init took a single-node table for a cluster's Distributed table"; exit 1
fi
grep -q "exists already as a ReplacingMergeTree table, not Distributed" "$work/err"
echo "ok: init refuses a table of another kind"
"$cli" ship --clickhouse "$url1" $pw --table trail "$samples"
expect_stats "single node: samples" "$samples" -- --clickhouse "$url1" $pw --table trail
"$cli" ship --clickhouse "$url1" $pw --table trail --batch-records 50 "$samples"
expect_stats "single node: samples shipped twice" "$samples" -- --clickhouse "$url1" $pw --table trail
"$cli" ship --clickhouse "$url1" $pw --database al --table trail "$samples"
"$cli" ship --clickhouse "$url2" $pw --database al --table trail "$samples"
expect_stats "Distributed, via shard 1: samples shipped twice" "$samples" -- --clickhouse "$url1" $pw --database al --table trail
expect_stats "Distributed, via shard 2" "$samples" -- --clickhouse "$url2" $pw --database al --table trail
# search: plain text on the server gives the records the embedded search's bare term gives
for term in terraform alice@ EXAMPLE zzqqxx; do
    want=$("$cli" search --count "$term" "$samples")
    for u in "$url1" "$url2"; do
        got=$("$cli" search --count --clickhouse "$u" $pw --database al --table trail "$term")
        [ "$got" = "$want" ] || { echo "FAIL: search --count $term: $got from ClickHouse at $u, $want from the store"; exit 1; }
    done
done
# KQL by raw fields runs as SQL on the server (one node and the Distributed table): the same
# counts as the embedded query engine's
for query in 'ActionType:gateway_* and not Interface:UI' 'NewValue.precedence >= 14000 or OldValue.filters:l4' \
             'Metadata.zone_name:* and not ActionResult:true' 'ActorEmail:"bob@acme.test" or ResourceType < gateway'; do
    want=$("$cli" search --count "$query" "$samples")
    for target in "$url1 --table trail" "$url2 --database al --table trail"; do
        got=$("$cli" search --count --clickhouse $target $pw "$query")
        [ "$got" = "$want" ] || { echo "FAIL: search --count '$query': $got from ClickHouse ($target), $want from the store"; exit 1; }
    done
done
# and on records made to catch what SQL does otherwise: regex characters, a NUL, newlines,
# characters of several bytes, -0, a subnormal, 1e400, arrays of objects, epoch numbers as times
edge=$top/tests/data/kql-edge.ndjson
"$cli" clickhouse init --url "$url1" $pw --table kql_edge >/dev/null
"$cli" ship --clickhouse "$url1" $pw --table kql_edge "$edge" >/dev/null 2>&1
while IFS= read -r query; do
    want=$("$cli" search --count "$query" "$edge")
    got=$("$cli" search --count --clickhouse "$url1" $pw --table kql_edge "$query")
    [ "$got" = "$want" ] || { echo "FAIL: search --count '$query' on $edge: $got from ClickHouse, $want from the store"; exit 1; }
done < "$top/tests/data/kql-edge.queries"
echo "ok: KQL on ClickHouse gives the store's counts"
# a query that matches nothing names the fields no record has, on stderr, as the store's search does
misspelt='ActorEmial:* or NoSuch.path:1 or ActorEmail:"nobody"'
"$cli" search --count "$misspelt" "$samples" 2> "$work/want-note" > /dev/null
got=$("$cli" search --count --clickhouse "$url2" $pw --database al --table trail "$misspelt" 2> "$work/got-note")
[ "$got" = 0 ] || { echo "FAIL: search --count '$misspelt' on ClickHouse: $got"; exit 1; }
grep -q "no record has the field 'ActorEmial'" "$work/got-note" && grep -q "'NoSuch.path'" "$work/got-note" \
    && cmp -s "$work/want-note" "$work/got-note" \
    || { echo "FAIL: the absent fields on ClickHouse: $(cat "$work/got-note") / the store: $(cat "$work/want-note")"; exit 1; }
# a field of the ECS record is made locally: refused with a message, never answered as empty
if "$cli" search --count --clickhouse "$url1" $pw --table trail 'ecs.user.email:x' 2> "$work/err"; then
    echo "FAIL: an ecs. query answered on ClickHouse"; exit 1
fi
grep -q "ECS record" "$work/err" || { echo "FAIL: ecs. refusal says: $(cat "$work/err")"; exit 1; }
"$cli" search terraform "$samples" | sort > "$work/want"
"$cli" search --clickhouse "$url1" $pw --database al --table trail terraform | sort > "$work/got"
cmp -s "$work/want" "$work/got" || { echo "FAIL: search terraform: other records from ClickHouse"; exit 1; }
want=$("$cli" search --count 'ActorEmail:"bob@acme.test" and ActionResult:false' "$samples")
got=$("$cli" search --count --clickhouse "$url1" $pw --table trail --actor bob@acme.test --result failure)
[ "$got" = "$want" ] && [ "$want" -gt 0 ] || { echo "FAIL: search --actor --result: $got, want $want"; exit 1; }
a=2023-02-22T00:00:00Z b=2023-02-25T12:00:00Z
want=$("$cli" search --count "(When >= \"$a\" and When <= \"$b\") or (ActionTimestamp >= \"$a\" and ActionTimestamp <= \"$b\")" "$samples")
got=$("$cli" search --count --clickhouse "$url2" $pw --database al --table trail --from "$a" --to "$b")
[ "$got" = "$want" ] && [ "$want" -gt 0 ] || { echo "FAIL: search --from --to: $got, want $want"; exit 1; }
echo "ok: search (text, column values, time range) equal to the embedded search"
if CLICKHOUSE_PASSWORD=wrong "$cli" stats --clickhouse "$url1" --table trail 2>"$work/err"; then
    echo "FAIL: a wrong password was accepted"; exit 1
fi
grep -q "refused the credentials of user auditlens" "$work/err" && ! grep -q wrong "$work/err"
echo "ok: wrong password refused, not printed"

# 3. ClickHouse killed (SIGKILL) and restarted while records are being shipped into the
# Distributed table through it: nothing lost, nothing doubled.
"$gen" --records 60000 --seed 17 > "$work/gen.ndjson"
"$cli" clickhouse init --url "$url1" $pw --database al --table restart --cluster auditlens_two_shards --shard-urls "$url1,$url2" >/dev/null
"$cli" ship --clickhouse "$url1" $pw --database al --table restart --batch-records 2000 "$work/gen.ndjson" \
    > "$work/ship.out" 2> "$work/ship.err" &
ship=$!
i=0
until [ "$(curl -s "$url2/?user=default" --data-binary 'SELECT count() FROM al.restart_local' 2>/dev/null)" -gt 0 ] 2>/dev/null; do
    i=$((i + 1)); [ $i -le 600 ] || { echo "FAIL: no batch arrived"; exit 1; }
    sleep 0.05
done
kill -9 "$(cat "$work/ch1/pid")"
sleep 2
start_server ch1 "$http1"
wait "$ship" || { echo "FAIL: ship did not survive the restart:"; cat "$work/ship.err"; exit 1; }
cat "$work/ship.out"
grep -q "retrying" "$work/ship.err" || { echo "FAIL: the restart did not happen during the ship (no retry)"; exit 1; }
head -3 "$work/ship.err"
expect_stats "Distributed: ship across a ClickHouse restart" "$work/gen.ndjson" -- --clickhouse "$url1" $pw --database al --table restart
# 4. receive --forward-clickhouse while ClickHouse is stopped, then started: every batch is
# acknowledged meanwhile; a receiver killed (SIGKILL) before it could forward and started again
# goes on from the checkpoint; nothing lost, nothing doubled (FINAL and by ID).
"$cli" clickhouse init --url "$url1" $pw --table forwarded >/dev/null
"$gen" --records 20000 --seed 21 > "$work/fwd1.ndjson"
"$gen" --records 10000 --seed 22 > "$work/fwd2.ndjson"
printf 'forward-test-secret\n' > "$work/rxsecret"
rxport=$(python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1])')
start_receiver() { # NAME
    "$cli" receive --listen "127.0.0.1:$rxport" --journal "$work/rxjournal" --secret-file "$work/rxsecret" --stats-every 1 \
        --forward-clickhouse "$url1" $pw --table forwarded 2> "$work/$1.err" &
    echo $! > "$work/$1.pid"
    i=0
    until grep -q "^listening on" "$work/$1.err"; do
        i=$((i + 1)); [ $i -le 200 ] || { echo "FAIL: receiver $1 did not start:"; cat "$work/$1.err"; exit 1; }
        sleep 0.05
    done
}
forwarded_ids() { curl -s "$url1/?user=default" --data-binary 'SELECT uniqExact(id) FROM forwarded' 2>/dev/null; }
stop_server ch1
start_receiver rxa
"$cli" push "http://127.0.0.1:$rxport/" --secret-file "$work/rxsecret" --batch-records 1000 "$work/fwd1.ndjson" 2> "$work/push1.err" \
    || { echo "FAIL: batches were not acknowledged while ClickHouse was down:"; cat "$work/push1.err"; exit 1; }
i=0
until grep -q "retrying in" "$work/rxa.err"; do
    i=$((i + 1)); [ $i -le 200 ] || { echo "FAIL: no retry while ClickHouse was down:"; cat "$work/rxa.err"; exit 1; }
    sleep 0.05
done
kill -9 "$(cat "$work/rxa.pid")"; wait "$(cat "$work/rxa.pid")" 2>/dev/null || true
start_server ch1 "$http1"
start_receiver rxb
"$cli" push "http://127.0.0.1:$rxport/" --secret-file "$work/rxsecret" --batch-records 1000 "$work/fwd2.ndjson" 2> "$work/push2.err" \
    || { echo "FAIL: push to the restarted receiver:"; cat "$work/push2.err"; exit 1; }
want=$("$cli" stats --json "$work/rxjournal" | python3 -c 'import json,sys; print(json.load(sys.stdin)["records"])')
i=0
until [ "$(forwarded_ids)" = "$want" ]; do
    i=$((i + 1)); [ $i -le 1200 ] || { echo "FAIL: $(forwarded_ids) of $want records forwarded:"; tail -5 "$work/rxb.err"; exit 1; }
    sleep 0.05
done
kill "$(cat "$work/rxb.pid")"; wait "$(cat "$work/rxb.pid")" 2>/dev/null || true
grep -q "forwarded $want records" "$work/rxb.err" || { echo "FAIL: the restarted receiver did not forward the whole journal:"; tail -5 "$work/rxb.err"; exit 1; }
grep "retrying in" "$work/rxa.err" | head -2
grep "clickhouse: forwarded" "$work/rxb.err" | tail -1
# a third start: the checkpoint is at the end, nothing is sent again
start_receiver rxc
sleep 2
kill "$(cat "$work/rxc.pid")"; wait "$(cat "$work/rxc.pid")" 2>/dev/null || true
grep -q "from its checkpoint" "$work/rxc.err" && grep -q "forwarded 0 records" "$work/rxc.err" \
    || { echo "FAIL: the third receiver did not go on from the checkpoint:"; cat "$work/rxc.err"; exit 1; }
got=$(curl -s "$url1/?user=default" --data-binary 'SELECT count(), uniqExact(id) FROM forwarded FINAL')
[ "$got" = "$(printf '%s\t%s' "$want" "$want")" ] || { echo "FAIL: forwarded trail: $got (count, IDs), want $want"; exit 1; }
expect_stats "receive --forward-clickhouse across a ClickHouse outage and a receiver kill" "$work/rxjournal" -- --clickhouse "$url1" $pw --table forwarded

echo "ClickHouse step passed"
