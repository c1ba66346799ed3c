# A user script that fails at runtime for every message: a regular
# expression from a variable that does not compile, matched against the
# report's fields, and a fileinto of a mailbox that does not exist. Sieve
# must then keep the message in INBOX (implicit keep).
require ["vnd.backscatter", "fileinto", "variables", "regex"];

set "re" "([";
if dsn :regex "status" "${re}" {
	fileinto "Bounces";
	stop;
}
fileinto "Missing";
