require ["vnd.backscatter", "fileinto"];
if dsn "status" { fileinto "Bounces"; }
