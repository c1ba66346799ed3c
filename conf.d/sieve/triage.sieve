# Per-user backscatter triage: a bounce of mail you sent goes to
# "Bounces", backscatter (a bounce of mail someone sent in your name) is
# thrown away, and what cannot be told apart stays in the inbox.
#
# "unknown" covers bounces to an address without a tag from before your
# admin began to enforce tags, and any bounce when something went wrong:
# the plugin never calls a message bogus without evidence.
require ["vnd.backscatter", "fileinto", "mailbox"];

if backscatter "legitimate" {
	fileinto :create "Bounces";
	stop;
}
if backscatter "bogus" {
	discard;
	stop;
}
