# alice's script in the Postfix loop test: legitimate bounces into
# Bounces, bogus ones discarded, everything else kept; records the envelope
# recipient Sieve saw.
require ["vnd.backscatter", "fileinto", "mailbox", "editheader",
	 "variables", "envelope"];

if envelope :matches "to" "*" {
	addheader "X-Test-Envelope-To" "${1}";
}
if bounce {
	if returnpath "valid" {
		fileinto :create "Bounces";
		stop;
	}
	if returnpath ["forged", "expired", "unsigned"] {
		discard;
		stop;
	}
}
keep;
