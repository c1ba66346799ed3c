# The user script of the load test (tests/integration/lmtp-load.sh and
# tests/bench/bench-load): every test of vnd.backscatter and every
# ${bounce.*} variable, bounces filed by reason, backscatter discarded.
# The variables go into X-Load-* headers, which the test compares with
# what "backscatter inspect" says of the same message; the diagnostic and
# the original's subject by their length only, as editheader limits the
# size of a header.
require ["vnd.backscatter", "fileinto", "mailbox", "variables",
	 "editheader", "relational", "comparator-i;ascii-numeric"];

addheader "X-Load-Kind" "${bounce.kind}";
addheader "X-Load-Verdict" "${bounce.verdict}";
addheader "X-Load-Returnpath" "${bounce.returnpath}";
addheader "X-Load-Reason" "${bounce.reason}";
addheader "X-Load-Status" "${bounce.status}";
addheader "X-Load-Action" "${bounce.action}";
addheader "X-Load-Recipient" "${bounce.recipient}";
set :length "length" "${bounce.diagnostic}";
addheader "X-Load-Diagnostic-Length" "${length}";
set :length "length" "${bounce.original_subject}";
addheader "X-Load-Original-Subject-Length" "${length}";
addheader "X-Load-Original-Message-Id" "${bounce.original_message_id}";

if backscatter "bogus" {
	discard;
	stop;
}
# A forged or expired tag on what is no bounce
if returnpath ["forged", "expired"] {
	fileinto :create "Suspect";
	stop;
}
if bounce :kind "feedback" {
	fileinto :create "Complaints";
	stop;
}
if backscatter "legitimate" {
	if dsn :count "ge" :comparator "i;ascii-numeric" "final-recipient" "2" {
		addheader "X-Load-Several" "yes";
	}
	if dsn :is "class" "transient" {
		fileinto :create "Bounces/delayed";
		stop;
	}
	set "reason" "${bounce.reason}";
	if string :is "${reason}" "" {
		set "reason" "none";
	}
	fileinto :create "Bounces/${reason}";
	stop;
}
if bounce :kind "autoreply" {
	fileinto :create "Autoreplies";
	stop;
}
if bounce {
	fileinto :create "Unjudged";
	stop;
}
keep;
