require ["vnd.backscatter", "fileinto"];
if returnpath { fileinto "Valid"; }
