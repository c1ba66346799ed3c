# Records what ${bounce.*} says, then files bounces by their reason.
require ["vnd.backscatter", "fileinto", "mailbox", "editheader",
	 "variables"];

addheader "X-Bounce-Kind" "${bounce.kind}";
addheader "X-Bounce-Status" "${bounce.status}";
addheader "X-Bounce-Action" "${bounce.action}";
addheader "X-Bounce-Recipient" "${bounce.recipient}";
addheader "X-Bounce-Diagnostic" "${bounce.diagnostic}";
addheader "X-Bounce-Original-Subject" "${bounce.original_subject}";
addheader "X-Bounce-Original-Message-Id" "${bounce.original_message_id}";
# Variable names are case-insensitive
addheader "X-Bounce-Status-Upper" "${BOUNCE.STATUS}";

if bounce {
	fileinto :create "Bounces/${bounce.reason}";
	stop;
}
keep;
