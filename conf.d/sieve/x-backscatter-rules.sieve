# A user's rules on the X-Backscatter header that the admin's
# x-backscatter-header.sieve (sieve_before) writes: plain header tests,
# which every filter form knows, written the way Roundcube's form writes
# them, so the form shows, edits and keeps them. Bounces of your own mail
# go to "Bounces", backscatter is thrown away, the undecidable
# ("unknown") stays in the inbox. A form files only into folders that
# exist: create "Bounces" first.
require ["fileinto"];
# rule:[Bounces of my mail]
if header :is "x-backscatter" "legitimate"
{
	fileinto "Bounces";
	stop;
}
# rule:[Backscatter]
if header :is "x-backscatter" "bogus"
{
	discard;
	stop;
}
