# Auto-replies apart; a bare bounce means a DSN, an MTA's bounce or an
# auto-reply, never a feedback (abuse) report, which :kind "feedback" asks
# for.
require ["vnd.backscatter", "fileinto", "mailbox"];

if bounce :kind "autoreply" {
	fileinto :create "Autoreplies";
	stop;
}
if bounce {
	fileinto :create "Bounces";
	stop;
}
if bounce :kind "feedback" {
	fileinto :create "Complaints";
	stop;
}
keep;
