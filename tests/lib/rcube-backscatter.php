<?php
/*
 * The backscatter Roundcube plugin (contrib/roundcube/backscatter), run
 * from the command line inside a real Roundcube (the private one of
 * tests/lib/roundcube.sh) logged in as a user, for the tests:
 *
 *   php rcube-backscatter.php WWW store '{"legitimate":"reason",...}'
 *       what the settings page's Save does with those choices: writes
 *       the triage script and makes the active set run it; prints "ok"
 *       or "error: LABEL DETAIL"
 *   php rcube-backscatter.php WWW summary
 *       what the page says the current script does, a sentence a line
 *   php rcube-backscatter.php WWW generate '{...}'
 *       the script the page writes for those choices
 *
 * WWW is the Roundcube directory (INSTALL_PATH); the login comes from
 * RC_USER, RC_PASSWORD and RC_IMAP_PORT.
 */

if ($argc < 3) {
	fwrite(STDERR, "usage: rcube-backscatter.php WWW store|summary|generate [CHOICES]\n");
	exit(2);
}
define('INSTALL_PATH', rtrim($argv[1], '/') . '/');
require INSTALL_PATH . 'program/include/clisetup.php';

$rcmail = rcmail::get_instance();
// A logged-in session as Roundcube's login leaves it
$_SESSION['username']     = getenv('RC_USER');
$_SESSION['password']     = $rcmail->encrypt(getenv('RC_PASSWORD'));
$_SESSION['storage_host'] = '127.0.0.1';
$_SESSION['storage_port'] = (int) getenv('RC_IMAP_PORT');
$_SESSION['storage_ssl']  = null;

$plugin = $rcmail->plugins->get_plugin('backscatter');
if (!$plugin) {
	fwrite(STDERR, "rcube-backscatter: the backscatter plugin is not loaded\n");
	exit(1);
}
// Roundcube's command line is a task of its own, "cli": start the plugin
// as the settings task would
$plugin->init();
$input = isset($argv[3]) ? json_decode($argv[3], true) : [];
if (!is_array($input)) {
	fwrite(STDERR, "rcube-backscatter: the choices are not a JSON object\n");
	exit(2);
}

switch ($argv[2]) {
case 'store':
	$result = $plugin->store_choices($input);
	if ($result === true) {
		echo "ok\n";
	} else {
		echo 'error: ', implode(' ', $result), "\n";
		exit(1);
	}
	break;
case 'summary':
	foreach ($plugin->summary() as $line) {
		echo $line, "\n";
	}
	break;
case 'generate':
	$choices = backscatter_script::validate($input, $error);
	if (!$choices) {
		echo "error: $error\n";
		exit(1);
	}
	echo backscatter_script::generate($choices);
	break;
default:
	fwrite(STDERR, "rcube-backscatter: unknown command {$argv[2]}\n");
	exit(2);
}
