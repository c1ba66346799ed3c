# The triage the backscatter test is for: legitimate bounces into Bounces,
# bogus ones discarded, the rest kept. The verdict is recorded in a header
# so that the tests can check it.
require ["vnd.backscatter", "fileinto", "mailbox", "editheader",
	 "variables"];

addheader "X-Test-Verdict" "${bounce.verdict}";
if backscatter "legitimate" {
	fileinto :create "Bounces";
} elsif backscatter "bogus" {
	discard;
} elsif backscatter :matches "unk*" {
	keep;
}
