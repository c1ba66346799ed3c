# A header before the analysis and one after it: the analysis reads the
# message as it arrived, between two edits (Pigeonhole's edit-mail once
# crashed LMTP on this)
require ["vnd.backscatter", "editheader", "fileinto", "mailbox",
         "variables"];

addheader "X-Before-Triage" "yes";
if backscatter "legitimate" {
	addheader "X-Backscatter" "${bounce.verdict}";
	fileinto :create "Bounces";
}
