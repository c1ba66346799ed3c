require "vnd.backscatter";
if bounce "dsn" { discard; }
