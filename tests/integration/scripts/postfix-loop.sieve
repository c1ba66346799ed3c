# alice's script in the Postfix loop test: legitimate bounces into
# Bounces, bogus ones discarded, everything else kept; records the envelope
# recipient Sieve saw and the verdict.
require ["vnd.backscatter", "fileinto", "mailbox", "editheader",
	 "variables", "envelope"];

# The verdict first: the message is analysed before any header is added
set "verdict" "${bounce.verdict}";
if envelope :matches "to" "*" {
	addheader "X-Test-Envelope-To" "${1}";
}
addheader "X-Test-Verdict" "${verdict}";
if backscatter "legitimate" {
	fileinto :create "Bounces";
	stop;
}
if backscatter "bogus" {
	discard;
	stop;
}
keep;
