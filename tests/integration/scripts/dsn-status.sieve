# Files reports by their fields: a permanent "user unknown" on any
# recipient, then any report about an address at example.org.
require ["vnd.backscatter", "fileinto", "mailbox"];

if dsn :is "status" "5.1.1" {
	fileinto :create "Bounces";
	stop;
}
if dsn :matches "final-recipient" "*@example.org" {
	fileinto :create "Example-org";
	stop;
}
keep;
