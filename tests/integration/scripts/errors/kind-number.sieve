require ["vnd.backscatter", "fileinto"];
if bounce :kind 5 { fileinto "Bounces"; }
