# The user script of the integration tests: file bounces, keep the rest,
# and record what Sieve saw of the envelope so that the tests can check it.
require ["vnd.backscatter", "fileinto", "mailbox", "editheader",
	 "variables", "envelope"];

if envelope :matches "from" "*" {
	addheader "X-Test-Envelope-From" "<${1}>";
}
if envelope :matches "to" "*" {
	addheader "X-Test-Envelope-To" "${1}";
}
if bounce {
	fileinto :create "Bounces";
	stop;
}
keep;
