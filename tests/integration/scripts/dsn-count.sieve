# Counts report fields with relational :count, as header counts header
# fields: one Status value per recipient.
require ["vnd.backscatter", "fileinto", "mailbox", "relational",
	 "comparator-i;ascii-numeric"];

if dsn :count "ge" :comparator "i;ascii-numeric" "status" "2" {
	fileinto :create "Several";
	stop;
}
if dsn :count "eq" :comparator "i;ascii-numeric" "status" "1" {
	fileinto :create "One";
	stop;
}
# Not even a count of zero is true for a message that is no report
if dsn :count "eq" :comparator "i;ascii-numeric" "status" "0" {
	fileinto :create "Zero";
	stop;
}
keep;
