#!/usr/bin/perl
# Copyright (c) 2026 dovecot-backscatter authors, see the included COPYING file

# Sisimai's speed over the files given, for tests/bench/bench-speed.
#
# Usage: speed-sisimai.pl [--seconds N] FILE...
#
# Every file is read into memory first and handed to Sisimai->make() as a
# string (a scalar reference), over and over for at least N seconds
# (default 2), so that neither perl's start-up nor the disk is timed. The
# last line is
#   sisimai: N msgs in S s = R msgs/s
# Exits 77 when Sisimai is not installed (Debian: libsisimai-perl).

use strict;
use warnings;
use Time::HiRes qw(clock_gettime CLOCK_MONOTONIC);

my $seconds = 2;
if (@ARGV >= 2 && $ARGV[0] eq '--seconds') {
	shift @ARGV;
	$seconds = shift @ARGV;
}
die "Usage: $0 [--seconds N] FILE...\n"
	if !@ARGV || $seconds !~ /^[1-9][0-9]*$/;

unless (eval { require Sisimai; 1 }) {
	print "sisimai: SKIP (Sisimai is not installed)\n";
	exit 77;
}

my @messages;
for my $path (@ARGV) {
	open(my $fh, '<:raw', $path) or die "open($path) failed: $!\n";
	local $/;
	push @messages, scalar <$fh>;
	close($fh);
}

# Sisimai warns about some of the corpus's odd messages; the warnings
# are no part of the figure
local $SIG{__WARN__} = sub { };

# One pass; returns how many messages gave Sisimai a result
sub pass {
	my $found = 0;
	for my $msg (@messages) {
		# make() dies on a few inputs: a message it gives up on costs
		# what it cost, like any other
		my $r = eval { Sisimai->make(\$msg) };
		$found++ if defined $r;
	}
	return $found;
}

# The first pass loads Sisimai's modules (it requires its parsers lazily)
# and warms the caches before the clock starts
my $found = pass();
printf "sisimai: %d of the %d messages give a result (Sisimai %s)\n",
	$found, scalar @messages, Sisimai->version;

my ($start, $ns, $passes) = (clock_gettime(CLOCK_MONOTONIC), 0, 0);
do {
	pass();
	$passes++;
	$ns = clock_gettime(CLOCK_MONOTONIC) - $start;
} while ($ns < $seconds);

my $count = $passes * scalar @messages;
printf "sisimai: %d msgs in %.3f s = %.0f msgs/s\n", $count, $ns,
	$count / $ns;
