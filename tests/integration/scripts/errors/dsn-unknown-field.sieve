require ["vnd.backscatter", "fileinto"];
if dsn :is ["status", "bogus-field"] "5.1.1" { fileinto "Bounces"; }
