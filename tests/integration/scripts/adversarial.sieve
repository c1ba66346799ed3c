# The triage of tests/integration/lmtp-adversarial.sh: legitimate bounces
# into Bounces, bogus ones discarded, the rest kept. Both verdicts go
# into headers, which the trace also shows (for a discarded message, the
# trace is all there is).
require ["vnd.backscatter", "fileinto", "mailbox", "editheader",
	 "variables"];

addheader "X-Test-Returnpath" "${bounce.returnpath}";
addheader "X-Test-Verdict" "${bounce.verdict}";
if backscatter "legitimate" {
	fileinto :create "Bounces";
} elsif backscatter "bogus" {
	discard;
}
