# Files each message by the verdict on its return-path tag, and records
# what Sieve saw of the envelope.
require ["vnd.backscatter", "fileinto", "mailbox", "editheader",
	 "variables", "envelope"];

if envelope :matches "to" "*" {
	addheader "X-Test-Envelope-To" "${1}";
}
if returnpath "valid" {
	fileinto :create "Valid";
} elsif returnpath "expired" {
	fileinto :create "Expired";
} elsif returnpath "forged" {
	fileinto :create "Forged";
} elsif returnpath "unsigned" {
	fileinto :create "Unsigned";
} elsif returnpath :is "unknown" {
	fileinto :create "Unknown";
}
