# For admins, as a sieve_before script: writes the verdict into an
# X-Backscatter header (legitimate, bogus or unknown) on every bounce,
# auto-reply and feedback report, so that users of editors that only
# know plain header tests (Roundcube's managesieve, Thunderbird) can
# filter on it:
#
#     if header :is "X-Backscatter" "bogus" { discard; }
#
# A header of that name that came with the message is removed first:
# anyone can write one. Needs editheader, which Pigeonhole leaves off by
# default (sieve_extensions = +editheader, or sieve_global_extensions).
require ["vnd.backscatter", "editheader", "variables"];

deleteheader "X-Backscatter";
if not backscatter "none" {
	addheader "X-Backscatter" "${bounce.verdict}";
}
