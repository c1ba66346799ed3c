# Bounces of your own mail filed by why delivery failed: "Bounces/
# userunknown", "Bounces/mailboxfull", "Bounces/spamdetected", ... (the
# reasons are listed in docs/vnd.backscatter.md). Auto-replies go to
# "Bounces/autoreply"; backscatter is thrown away.
require ["vnd.backscatter", "fileinto", "mailbox", "variables"];

if backscatter "bogus" {
	discard;
	stop;
}
if backscatter "legitimate" {
	if bounce :kind "autoreply" {
		fileinto :create "Bounces/autoreply";
	} else {
		fileinto :create "Bounces/${bounce.reason}";
	}
	stop;
}
