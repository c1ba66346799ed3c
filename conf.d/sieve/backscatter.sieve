# The backscatter triage as a script of its own, stored on the server as
# "backscatter" and included by the user's active set (see
# roundcube-main.sieve). Webmail filter forms (Roundcube's managesieve,
# and others like it) rewrite the whole set they edit from what they
# understood, and drop the tests they do not know; a script that the set
# only includes is never rewritten. The triage is the same as
# triage.sieve's: a bounce of mail you sent goes to "Bounces", backscatter
# is thrown away, and what cannot be told apart stays in the inbox.
#
# The Roundcube plugin in contrib/roundcube/backscatter writes this script
# from its "Bounces and backscatter" settings page. Edit it there or as
# text; do not open it in a form editor.
require ["vnd.backscatter", "fileinto", "mailbox"];

if backscatter "legitimate" {
	fileinto :create "Bounces";
	stop;
}
if backscatter "bogus" {
	discard;
	stop;
}
