require ["vnd.backscatter", "fileinto", "mailbox"];

if bounce :kind ["dsn"] {
	fileinto :create "Reports";
}
