# The active set of a user who edits filters in a webmail form
# (Roundcube's Settings > Filters): the backscatter triage first, from the
# personal script "backscatter" (backscatter.sieve), then the user's own
# rules. The set uses only what the form knows, in the form's own way of
# writing it ("if true" is its "all messages"), so saving a rule in the
# form keeps the include; "stop" in the included script ends the whole
# run, as it does in the one-file triage.sieve.
require ["fileinto", "include"];
# rule:[Bounces and backscatter]
if true
{
	include :personal "backscatter";
}
# rule:[Newsletters]
if header :contains "subject" "newsletter"
{
	fileinto "Newsletters";
}
