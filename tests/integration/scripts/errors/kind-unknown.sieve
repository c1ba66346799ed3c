require ["vnd.backscatter", "fileinto"];
if bounce :kind ["dsn", "bogus"] { fileinto "Bounces"; }
