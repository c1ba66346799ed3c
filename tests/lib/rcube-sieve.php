<?php
/*
 * Roundcube's own Sieve code, run from the command line for the tests
 * (Debian's roundcube-plugins: the managesieve plugin's lib/Roundcube).
 *
 *   php rcube-sieve.php version
 *       the Roundcube version installed
 *   php rcube-sieve.php roundtrip NAME FILE
 *       uploads FILE as script NAME over ManageSieve as Roundcube's raw
 *       editor does, loads it with Roundcube's parser (rcube_sieve, with
 *       the server's capabilities, as the Filters page does), saves it
 *       back as NAME-roundcube as the form does on every save, and prints
 *       what the server then holds; the rules Roundcube understood, one
 *       line each, go to stderr
 *   php rcube-sieve.php normalize < dump
 *       a dump of "sievec -d" without what differs between two scripts
 *       that do the same: addresses, line numbers, block numbers, paths,
 *       the order of extensions
 *
 * The connection comes from the environment: RC_SIEVE_HOST, RC_SIEVE_PORT,
 * RC_SIEVE_USER, RC_SIEVE_PASSWORD; RCUBE_DIR is Roundcube's directory
 * (default /usr/share/roundcube).
 */

$rcube_dir = getenv('RCUBE_DIR') ?: '/usr/share/roundcube';

function fail($msg)
{
	fwrite(STDERR, "rcube-sieve: $msg\n");
	exit(1);
}

function load_roundcube($rcube_dir)
{
	$lib = "$rcube_dir/plugins/managesieve/lib/Roundcube";
	if (!is_dir($lib))
		fail("no managesieve plugin in $rcube_dir (roundcube-plugins)");
	require_once 'PEAR.php';
	require_once 'Net/Sieve.php';
	require_once "$lib/rcube_sieve_script.php";
	require_once "$lib/rcube_sieve.php";
}

function roundcube_version($rcube_dir)
{
	$iniset = @file_get_contents("$rcube_dir/program/include/iniset.php");
	if ($iniset !== false &&
	    preg_match("/define\('RCMAIL_VERSION', '([^']+)'\)/", $iniset, $m))
		return $m[1];
	return 'unknown';
}

function connect()
{
	foreach (['RC_SIEVE_HOST', 'RC_SIEVE_PORT', 'RC_SIEVE_USER',
		  'RC_SIEVE_PASSWORD'] as $var) {
		if (getenv($var) === false)
			fail("$var is not set");
	}
	// No TLS: the tests' Dovecot listens on loopback only
	$sieve = new rcube_sieve(getenv('RC_SIEVE_USER'),
		getenv('RC_SIEVE_PASSWORD'), getenv('RC_SIEVE_HOST'),
		(int)getenv('RC_SIEVE_PORT'), null, false);
	if ($sieve->error())
		fail('cannot log in over ManageSieve (error ' .
		     $sieve->error() . ')');
	return $sieve;
}

// One line per rule as Roundcube's form would list it
function describe_rule($rule)
{
	$tests = [];
	foreach ($rule['tests'] ?? [] as $test)
		$tests[] = (!empty($test['not']) ? 'not ' : '') . $test['test'];
	$actions = [];
	foreach ($rule['actions'] ?? [] as $action)
		$actions[] = $action['type'];
	return ($tests ? implode(', ', $tests) : '(always)') . ' -> ' .
		implode(', ', $actions);
}

function roundtrip($name, $file)
{
	$text = @file_get_contents($file);
	if ($text === false)
		fail("cannot read $file");
	$sieve = connect();
	if (!$sieve->save_script($name, $text))
		fail("the server refused $file: " .
		     json_encode($sieve->get_error_lines()));
	if (!$sieve->load($name) || !$sieve->script)
		fail("Roundcube could not load $name");
	foreach ($sieve->script->as_array() as $rule)
		fwrite(STDERR, describe_rule($rule) . "\n");
	if (!$sieve->save("$name-roundcube")) {
		// 9: rcube_sieve::ERROR_UNPARSED, of the upstream change in
		// contrib/roundcube/managesieve-refuse-lossy-save.patch
		if ($sieve->error() == 9)
			fail("Roundcube refused to save $name: " . implode(', ',
				$sieve->script->unparsed()));
		fail("the server refused what Roundcube wrote for $name");
	}
	$saved = $sieve->get_script("$name-roundcube");
	if ($saved === false)
		fail("cannot read back $name-roundcube");
	echo $saved;
}

function normalize($dump)
{
	$out = [];
	$exts = [];
	$in_program = false;
	$flush = function () use (&$out, &$exts) {
		sort($exts);
		foreach ($exts as $e)
			$out[] = $e;
		$exts = [];
	};
	$collect = 0;
	foreach (preg_split('/\r?\n/', $dump) as $line) {
		// The header, metadata and the extension table differ in
		// paths and numbering only; each program lists its own
		// extensions
		if (preg_match('/^\* (Main program|Included .* script)/',
			       $line)) {
			$in_program = true;
			$out[] = preg_replace('/ \(block: \d+\)/', '', $line);
			continue;
		}
		if (preg_match('/^\* /', $line)) {
			$in_program = false;
			continue;
		}
		if (!$in_program || $line === '' ||
		    preg_match('/^Address\s+Line\s+Code/', $line))
			continue;
		$line = preg_replace('/^[0-9a-f]{8}:\s*(\d+:)?\s?/', '', $line);
		$line = preg_replace('/DEBUG BLOCK: \d+/', 'DEBUG BLOCK', $line);
		$line = preg_replace('/ from \S+ \[ID: \d+, BLOCK: \d+\]/', '',
				     $line);
		if ($collect > 0) {
			$exts[] = trim($line);
			if (--$collect == 0)
				$flush();
			continue;
		}
		if (preg_match('/EXTENSIONS \[(\d+)\]:/', $line, $m))
			$collect = (int)$m[1];
		$out[] = rtrim($line);
	}
	echo implode("\n", $out), "\n";
}

switch ($argv[1] ?? '') {
case 'version':
	echo roundcube_version($rcube_dir), "\n";
	break;
case 'roundtrip':
	if ($argc != 4)
		fail('usage: roundtrip NAME FILE');
	load_roundcube($rcube_dir);
	roundtrip($argv[2], $argv[3]);
	break;
case 'normalize':
	normalize(stream_get_contents(STDIN));
	break;
default:
	fail('usage: version | roundtrip NAME FILE | normalize < dump');
}
