# Mail under load on the private Dovecot of dovecot.sh: the mix of
# tests/lib/lmtp-load, sent over persistent LMTP connections in phases,
# with the key file and the users' scripts changed between phases.
#
#   . tests/lib/dovecot.sh; . tests/lib/load.sh
#   load_init N                 # Dovecot, keys, load.sieve, the mix of N
#   load_driver_start 8         # 8 connections, kept open
#   load_phase NAME FIRST COUNT [lmtp-load manifest options]
#   load_rss                    # "PID RSS_KB" of each lmtp process
#   load_driver_stop
#   load_account [--key-error PHASE=REGEX]...   # figures, into LOAD_FIGURES
#   load_fig NAME               # one figure
#
# Sources: the Sisimai corpus of the development machine
# ($BOUNCE_CORPUS, default ../shared/corpus/sisimai next to the tree)
# when it is there, else tests/data/corpus and tests/data.

LOAD_LIB=$(cd "$(dirname "${BASH_SOURCE[0]:-$0}")" && pwd)
. "$LOAD_LIB/bad-input.sh"
LOAD_TOOL=$LOAD_LIB/lmtp-load
: "${BOUNCE_CORPUS:=$DC_TOP/../shared/corpus/sisimai}"

load_sign() {
	"$BUILD_DIR/cli/backscatter" sign -k "$DC_KEY_FILE" "$@"
}

# load_pool_user USER: the addresses of USER by class, as the pool lists
# them; the oracle takes the first of each class
load_pool_user() {
	local u=$1 signed a days_ago month_ago

	days_ago=$(date -u -d '3 days ago' +%F)
	month_ago=$(date -u -d '30 days ago' +%F)
	signed="$(load_sign "$u")
$(load_sign --form prefix "$u")
$(load_sign --scheme prvs "$u")
$(load_sign --scheme prvs --form prefix "$u")
$(load_sign --now "$days_ago" "$u")"
	for a in $signed; do
		echo "$u signed $a"
	done
	for a in $signed; do
		echo "$u forged $("$DC_LIB/tamper" "$a")"
	done
	echo "$u expired $(load_sign --now "$month_ago" "$u")"
	echo "$u expired $(load_sign --scheme prvs --now "$month_ago" "$u")"
	echo "$u untagged $u"
	echo "$u untagged ${u%@*}+news@${u#*@}"
	echo "$u plain $u"
}

# load_sources: the messages the mix takes its bounces from
load_sources() {
	if ls "$BOUNCE_CORPUS"/maildir/*/*.eml >/dev/null 2>&1; then
		ls "$BOUNCE_CORPUS"/maildir/*/*.eml
	else
		ls "$TEST_DATA"/corpus/*.eml
		ls "$TEST_DATA"/*.eml | grep -v '/empty\.eml$'
	fi
}

# load_init N [lmtp-load prepare options]: a started Dovecot whose users
# run load.sieve, keys, the address pool and the mix of N messages in
# LOAD_DIR. LOAD_BAD=no leaves out the bad inputs and the oversized
# bounces.
load_init() {
	local n=$1 u f
	shift

	dc_init || return 1
	dc_make_keys || return 1
	DC_LMTP_SETTINGS="  mail_access_groups = $DC_KEY_GROUP
${LOAD_LMTP_SETTINGS:-}"
	DC_PLUGIN_SETTINGS="  backscatter_key_file = $DC_KEY_FILE"
	dc_write_config || return 1
	dc_start || return 1
	for u in $DC_USERS; do
		dc_sieve_put "$u" load "$TEST_SCRIPTS/load.sieve" >/dev/null ||
			return 1
		# No trace: thousands of deliveries would write thousands
		rm -rf "$(dc_home "$u")/sieve-trace"
	done
	LOAD_DIR=$DC_DIR/load
	mkdir -p "$LOAD_DIR/bad"
	cp -p "$DC_KEY_FILE" "$LOAD_DIR/keys.orig"
	: > "$LOAD_DIR/pool"
	for u in $DC_USERS; do
		load_pool_user "$u" >> "$LOAD_DIR/pool" || return 1
	done
	bad_input_generate "$LOAD_DIR/bad"
	# A bounce larger than backscatter_analyze_max_size (64 KiB): the
	# report first, then 300 KB of attachment
	{
		sed '/^--.*--$/d' "$TEST_DATA/dsn-rfc3464.eml"
		boundary=$(sed -n 's/.*boundary="\{0,1\}\([^";]*\)"\{0,1\}.*/\1/p' \
			"$TEST_DATA/dsn-rfc3464.eml" | head -n 1)
		printf -- '--%s\nContent-Type: application/octet-stream\n' \
			"$boundary"
		printf 'Content-Transfer-Encoding: base64\n\n'
		head -c 225000 /dev/urandom | base64
		printf -- '--%s--\n' "$boundary"
	} > "$LOAD_DIR/oversize.eml"
	local bad_args=()
	if [ "${LOAD_BAD:-yes}" = yes ]; then
		while read -r f; do
			bad_args+=(--bad "$f")
		done < <(bad_input_files "$LOAD_DIR/bad")
		bad_args+=(--oversize "$LOAD_DIR/oversize.eml")
	fi
	"$LOAD_TOOL" prepare --cli "$BUILD_DIR/cli/backscatter" \
		--keys "$DC_KEY_FILE" --pool "$LOAD_DIR/pool" \
		--out "$LOAD_DIR" --n "$n" "${bad_args[@]}" "$@" \
		$(load_sources) > "$LOAD_DIR/prepare.log" 2>&1 || {
		cat "$LOAD_DIR/prepare.log" >&2
		return 1
	}
	sed 's/^/# /' "$LOAD_DIR/prepare.log"
	: > "$LOAD_DIR/results"
	LOAD_PHASES=()
}

# load_driver_start CONNS: the sender, as a coprocess, with CONNS
# connections
load_driver_start() {
	coproc LOAD_DRIVER { "$LOAD_TOOL" send \
		--server "127.0.0.1:$DC_LMTP_PORT" --conns "$1" \
		--results "$LOAD_DIR/results"; }
	LOAD_DRIVER_IN=${LOAD_DRIVER[1]}
	LOAD_DRIVER_OUT=${LOAD_DRIVER[0]}
}

# load_phase NAME FIRST COUNT [manifest options]: sends mix messages
# FIRST .. FIRST+COUNT-1 as phase NAME and waits for every reply; the
# sender's line ("sent NAME.tsv n=... secs=...") is left in LOAD_REPLY
load_phase() {
	local name=$1 first=$2 count=$3
	shift 3

	"$LOAD_TOOL" manifest --mix "$LOAD_DIR/mix.tsv" \
		--pool "$LOAD_DIR/pool" --phase "$name" --first "$first" \
		--count "$count" "$@" > "$LOAD_DIR/$name.tsv" || return 1
	LOAD_PHASES+=("$LOAD_DIR/$name.tsv")
	echo "send $LOAD_DIR/$name.tsv" >&"$LOAD_DRIVER_IN"
	read -r LOAD_REPLY <&"$LOAD_DRIVER_OUT" || return 1
}

load_driver_stop() {
	local pid=$LOAD_DRIVER_PID

	echo quit >&"$LOAD_DRIVER_IN"
	wait "$pid"
}

# load_lmtp_pids: the lmtp processes of this test's Dovecot
load_lmtp_pids() {
	local master
	master=$(cat "$DC_DIR/run/master.pid")
	ps -o pid=,comm= --ppid "$master" | awk '$2 == "lmtp" { print $1 }'
}

# load_rss: "PID RSS_KB" of each lmtp process
load_rss() {
	local pid
	for pid in $(load_lmtp_pids); do
		echo "$pid $(ps -o rss= -p "$pid" | tr -d ' ')"
	done
}

# load_rss_growth FIRST LAST: the largest growth, in KB, of a process
# present in both samples (outputs of load_rss)
load_rss_growth() {
	awk 'NR == FNR { first[$1] = $2; next }
	     ($1 in first) { g = $2 - first[$1]; if (g > max) max = g }
	     END { print max + 0 }' "$1" "$2"
}

# load_account [lmtp-load account options]: the figures of every phase
# sent, in LOAD_FIGURES; the details of mismatches printed as comments
load_account() {
	LOAD_FIGURES=$("$LOAD_TOOL" account --dir "$LOAD_DIR" \
		--results "$LOAD_DIR/results" --homes "$DC_DIR/home" \
		--log "$DC_DIR/log/dovecot.log" "$@" "${LOAD_PHASES[@]}")
	printf '%s\n' "$LOAD_FIGURES" | grep '^#'
}

# load_fig NAME: a figure of load_account
load_fig() {
	printf '%s\n' "$LOAD_FIGURES" | sed -n "s/^$1=//p"
}
