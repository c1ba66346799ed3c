# Asks about the message four times; it must be analysed once.
require ["vnd.backscatter", "fileinto", "mailbox"];

if not bounce {
	keep;
	stop;
}
if bounce :kind "dsn" {
	if bounce :kind ["dsn"] {
		if bounce {
			fileinto :create "Checked";
		}
	}
}
