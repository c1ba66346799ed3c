require ["vnd.backscatter", "variables"];
set "bounce.kind" "dsn";
