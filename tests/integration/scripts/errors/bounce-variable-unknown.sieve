require ["vnd.backscatter", "variables", "fileinto"];
fileinto "Bounces/${bounce.colour}";
