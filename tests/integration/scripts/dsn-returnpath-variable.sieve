# The return-path verdict, judged only because the script reads it.
require ["variables", "vnd.backscatter", "editheader"];

addheader "X-Bounce-Returnpath" "${bounce.returnpath}";
