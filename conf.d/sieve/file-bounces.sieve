# File bounces (delivery status notifications) into a folder of their own,
# so that they neither clutter the inbox nor get lost in it.
require ["vnd.backscatter", "fileinto", "mailbox"];

if bounce :kind "dsn" {
	fileinto :create "Bounces";
	stop;
}
