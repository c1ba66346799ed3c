# Kinds from variables cannot be checked at compile time; an unknown one
# is ignored at runtime (see the trace), not an error.
require ["vnd.backscatter", "fileinto", "mailbox", "variables"];

set "wanted" "nonsense";
if bounce :kind ["${wanted}", "DSN"] {
	fileinto :create "Bounces";
}
