require "vnd.backscatter";
if bounce :kind { discard; }
