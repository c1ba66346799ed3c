require "fileinto";
if bounce { fileinto "Bounces"; }
